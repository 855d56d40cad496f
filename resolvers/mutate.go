package resolvers

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/modelgraph/modelgraph/graph"
)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func version(v *int) *int64 {
	if v == nil {
		return nil
	}
	n := int64(*v)
	return &n
}

func elementFromInput(in *ElementInput) graph.Element {
	e := graph.Element{Key: in.Key, Kind: in.Kind, Name: in.Name, Description: deref(in.Description), Tags: in.Tags, Properties: in.Properties}
	if len(e.Tags) == 0 {
		e.Tags = nil
	}
	if len(e.Properties) == 0 {
		e.Properties = nil
	}
	return e
}

func (r *Resolver) limits() graph.Limits {
	return graph.Limits{MaxElements: r.MaxImportElements, MaxRelationships: r.MaxImportElements * 10,
		Setting: "MODELGRAPH_MAX_IMPORT_ELEMENTS (-max-import-elements; relationships may be ten times as many)"}
}

// importModel parses, validates and imports a document. Problems come back twice: in the report,
// for tools that read it, and as one BAD_USER_INPUT error, so that the response says it failed.
func (r *Resolver) importModel(ctx context.Context, document string, format *DocumentFormat, dryRun bool, mode *ImportMode, model *string) (*ImportReport, error) {
	if r.MaxDocumentBytes > 0 && len(document) > r.MaxDocumentBytes {
		return nil, fmt.Errorf("%w: document is %d bytes; the limit is %d (raise it with MODELGRAPH_MAX_BODY_BYTES, -max-body-bytes)", graph.ErrInvalid, len(document), r.MaxDocumentBytes)
	}
	var f graph.Format
	if format != nil {
		f = graph.Format(map[DocumentFormat]string{DocumentFormatYaml: "yaml", DocumentFormatJSON: "json"}[*format])
	}
	opt := graph.ImportOptions{Mode: graph.Merge, DryRun: dryRun, Limits: r.limits()}
	if mode != nil && *mode == ImportModeReplace {
		opt.Mode = graph.Replace
	}
	file, err := graph.ParseFile([]byte(document), f)
	report := &ImportReport{DryRun: dryRun, Problems: []*Problem{}}
	if err == nil {
		if model != nil {
			file.Model.Key = *model
		}
		report.Model = file.Model.Key
		var rep *graph.ImportReport
		rep, err = r.Store.Import(ctx, file, opt)
		if rep != nil {
			fillReport(report, rep)
		}
	}
	return importAnswer(ctx, report, err)
}

func fillReport(out *ImportReport, in *graph.ImportReport) {
	out.Model = in.Model
	out.ModelCreated = in.ModelCreated
	out.Created, out.Updated, out.Unchanged, out.Deleted = in.Created, in.Updated, in.Unchanged, in.Deleted
	out.RelationshipsCreated, out.RelationshipsUpdated = in.RelCreated, in.RelUpdated
	out.RelationshipsUnchanged, out.RelationshipsDeleted = in.RelUnchanged, in.RelDeleted
	out.Applied = !in.DryRun && in.Changed()
}

// importAnswer is an import's answer: a refused document gives its report with the problems
// listed and Applied false (the error is added beside it); any other error is the answer.
func importAnswer(ctx context.Context, report *ImportReport, err error) (*ImportReport, error) {
	var ve *graph.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			report.Problems = append(report.Problems, &Problem{Path: p.Path, Key: optString(p.Key), Field: optString(p.Field), Reason: p.Reason})
		}
		report.Applied = false
		graphql.AddError(ctx, err)
		return report, nil
	}
	if err != nil {
		return nil, err
	}
	return report, nil
}

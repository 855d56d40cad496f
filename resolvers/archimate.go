package resolvers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/99designs/gqlgen/graphql"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/archimate"
)

// isArchimate reports whether an importModel document is an ArchiMate exchange file: format
// ARCHIMATE, or no format and a document that reads as one.
func isArchimate(format *DocumentFormat, document string) bool {
	if format != nil {
		return *format == DocumentFormatArchimate
	}
	return archimate.IsExchange([]byte(document))
}

// parseDocument reads an importModel document in any format, for the access check, which needs
// only the model key; an ArchiMate report is dropped.
func parseDocument(document string, format *DocumentFormat) (*graph.File, error) {
	if isArchimate(format, document) {
		f, _, err := archimate.Import([]byte(document), archimate.Options{Lenient: true})
		return f, err
	}
	var f graph.Format
	if format != nil {
		f = graph.Format(map[DocumentFormat]string{DocumentFormatYaml: "yaml", DocumentFormatJSON: "json"}[*format])
	}
	return graph.ParseFile([]byte(document), f)
}

// importArchimate imports an exchange file as importModel does a model file: problems of the
// file (each with its line and column) or of the model come back in the report and as one
// BAD_USER_INPUT error; the report's archimate part says what the file held that was left out.
func (r *Resolver) importArchimate(ctx context.Context, document string, dryRun bool, mode *ImportMode, model *string, lenient bool) (*ImportReport, error) {
	if r.MaxDocumentBytes > 0 && len(document) > r.MaxDocumentBytes {
		return nil, fmt.Errorf("%w: document is %d bytes; the limit is %d (raise it with MODELGRAPH_MAX_BODY_BYTES, -max-body-bytes)", graph.ErrInvalid, len(document), r.MaxDocumentBytes)
	}
	report := &ImportReport{DryRun: dryRun, Problems: []*Problem{}}
	file, rep, err := archimate.Import([]byte(document), archimate.Options{Name: "document", Lenient: lenient})
	var ae *archimate.Error
	if errors.As(err, &ae) {
		for _, p := range ae.Problems {
			report.Problems = append(report.Problems, &Problem{Path: p.Path, Key: optString(p.Key), Field: optString(p.Field), Reason: p.Reason,
				Line: optInt(p.Pos.Line), Column: optInt(p.Pos.Col)})
		}
		if model != nil {
			report.Model = *model
		}
		graphql.AddError(ctx, err)
		return report, nil
	}
	if err != nil {
		return nil, err
	}
	report.Archimate = archimateReport(rep)
	if model != nil {
		file.Model.Key = *model
	}
	report.Model = file.Model.Key
	opt := graph.ImportOptions{Mode: graph.Merge, DryRun: dryRun, Limits: r.limits()}
	if mode != nil && *mode == ImportModeReplace {
		opt.Mode = graph.Replace
	}
	res, err := r.Store.Import(ctx, file, opt)
	if res != nil {
		fillReport(report, res)
	}
	return importAnswer(ctx, report, err)
}

func optInt(n int) *int {
	if n <= 0 {
		return nil
	}
	return &n
}

func archimateReport(r *archimate.Report) *ArchimateReport {
	out := &ArchimateReport{
		Elements: r.Elements, Relationships: r.Relationships,
		UnmappedElements: typeCounts(r.UnmappedElements), UnmappedRelationships: typeCounts(r.UnmappedRelationships),
		UnattachedRelationships: typeCounts(r.Unattached),
		Skipped:                 skipped(r.Skipped), Duplicates: skipped(r.Duplicates),
		RenamedProperties: []*RenamedProperty{},
		ViewsIgnored:      r.Views, FoldersIgnored: r.Organizations, ModelPropertiesIgnored: r.ModelProperties,
		Lines: r.Lines(),
	}
	for from, to := range r.Renamed {
		out.RenamedProperties = append(out.RenamedProperties, &RenamedProperty{From: from, To: to})
	}
	sort.Slice(out.RenamedProperties, func(i, j int) bool { return out.RenamedProperties[i].From < out.RenamedProperties[j].From })
	return out
}

// typeCounts lists counts by type in type order.
func typeCounts(m map[string]int) []*TypeCount {
	out := make([]*TypeCount, 0, len(m))
	for t, n := range m {
		out = append(out, &TypeCount{Type: t, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}

func skipped(ss []archimate.Skipped) []*SkippedRelationship {
	out := make([]*SkippedRelationship, len(ss))
	for i, s := range ss {
		out[i] = &SkippedRelationship{ID: s.ID, Line: s.Pos.Line, Column: s.Pos.Col, Reason: s.Reason}
	}
	return out
}

// exportArchimate writes a model as an exchange file.
func (r *Resolver) exportArchimate(ctx context.Context, model string) (string, error) {
	f, err := r.Store.ExportFile(ctx, model)
	if err != nil {
		return "", err
	}
	return archimateText(f)
}

// archimateText is a model file as an exchange file.
func archimateText(f *graph.File) (string, error) {
	var buf bytes.Buffer
	if err := archimate.Export(&buf, f); err != nil {
		return "", err
	}
	return buf.String(), nil
}

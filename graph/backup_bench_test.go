package graph_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// BenchmarkBackupRestore measures the backup of a synthetic model of 10,000 elements with its
// history (one change per element and relationship) and its restore into a database of its own,
// in items (elements, relationships and changes) per second.
//
//	go test -run '^$' -bench BackupRestore -benchtime 3x ./graph/
func BenchmarkBackupRestore(b *testing.B) {
	ctx := context.Background()
	s := graphtest.Store(b)
	f := synth.Model(graphtest.ModelKey(b), 10000, 1)
	if _, err := s.Import(ctx, f, graph.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	var data []byte
	var counts graph.BackupCounts
	b.Run("backup", func(b *testing.B) {
		items := 0
		for b.Loop() {
			var buf bytes.Buffer
			rep, err := s.Backup(ctx, &buf, graph.BackupOptions{Models: []string{f.Model.Key}})
			if err != nil {
				b.Fatal(err)
			}
			data, counts = buf.Bytes(), rep.BackupCounts
			items += rep.Elements + rep.Relationships + rep.Changes
		}
		b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
		b.ReportMetric(float64(len(data)), "file-bytes")
	})
	dst := graphtest.StartFresh(b).Store
	b.Run("restore", func(b *testing.B) {
		items := 0
		for b.Loop() {
			rep, err := dst.Restore(ctx, bytes.NewReader(data), graph.RestoreOptions{Force: true})
			if err != nil {
				b.Fatal(err)
			}
			if rep.BackupCounts != counts {
				b.Fatalf("restored %+v, backed up %+v", rep.BackupCounts, counts)
			}
			items += rep.Elements + rep.Relationships + rep.Changes
		}
		b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
	})
}

package archimate

import (
	"bytes"
	"io"
	"testing"

	"github.com/modelgraph/modelgraph/seed"
)

// The largest demo model, exported and imported.
func BenchmarkExchange(b *testing.B) {
	f, err := seed.File("sportswear-retailer.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Export(&buf, f); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.Run("export", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if err := Export(io.Discard, f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("import", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, _, err := Import(data, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

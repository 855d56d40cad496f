package launcher

import (
	"context"
	"strconv"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// BenchmarkRoundTrip measures one RETURN 1 in an open session, through the Bolt filter (the
// public port) and straight to Neo4j's own connector, to show what the filter costs.
//
//	go test -run '^$' -bench RoundTrip ./launcher/
func BenchmarkRoundTrip(b *testing.B) {
	inner := innerPort(b, sharedCfg.DataDir)
	for _, c := range []struct{ name, uri string }{
		{"filter", shared.URI},
		{"direct", "bolt://127.0.0.1:" + strconv.Itoa(inner)},
	} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			driver, err := neo4j.NewDriverWithContext(c.uri, basic(shared))
			if err != nil {
				b.Fatal(err)
			}
			defer driver.Close(ctx)
			sess := driver.NewSession(ctx, neo4j.SessionConfig{})
			defer sess.Close(ctx)
			for b.Loop() {
				res, err := sess.Run(ctx, "RETURN 1", nil)
				if err == nil {
					_, err = res.Consume(ctx)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package resolvers_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// traversalCases mirrors testdata/traversals.json.
type traversalCases struct {
	Supporters []struct {
		Name     string     `json:"name"`
		Key      string     `json:"key"`
		Kinds    []string   `json:"kinds"`
		MaxDepth int        `json:"maxDepth"`
		Want     []expected `json:"want"`
	} `json:"supporters"`
	Impact []struct {
		Name              string         `json:"name"`
		Key               string         `json:"key"`
		RelationshipTypes []string       `json:"relationshipTypes"`
		MaxDepth          int            `json:"maxDepth"`
		Scope             []string       `json:"scope"`
		Affected          []expected     `json:"affected"`
		Attached          []attachedWant `json:"attached"`
		Counts            map[string]int `json:"counts"`
	} `json:"impact"`
	Path []struct {
		Name     string   `json:"name"`
		From     string   `json:"from"`
		To       string   `json:"to"`
		MaxDepth int      `json:"maxDepth"`
		Want     []string `json:"want"`
	} `json:"path"`
}

type expected struct {
	Key      string     `json:"key"`
	Distance int        `json:"distance"`
	Path     []string   `json:"path"`
	AnyPath  [][]string `json:"anyPath"`
}

type attachedWant struct {
	Key string   `json:"key"`
	Via []string `json:"via"`
	To  []string `json:"to"`
}

type keyed struct {
	Key string `json:"key"`
}

type step struct {
	From keyed  `json:"from"`
	Type string `json:"type"`
	To   keyed  `json:"to"`
}

type reached struct {
	Element  keyed  `json:"element"`
	Distance int    `json:"distance"`
	Path     []step `json:"path"`
}

func stepStrings(ss []step) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%s -%s-> %s", s.From.Key, s.Type, s.To.Key)
	}
	return out
}

func readCases(t *testing.T) traversalCases {
	t.Helper()
	b, err := os.ReadFile("testdata/traversals.json")
	if err != nil {
		t.Fatal(err)
	}
	var c traversalCases
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// checkReached compares results with hand-written expectations: same elements in the same order,
// same distances, and the path given (or one of those given); when none is given, the path must
// still be a chain of the right length ending (or starting) where it should.
func checkReached(t *testing.T, got []reached, want []expected, end string, endsAt bool) {
	t.Helper()
	var gotKeys, wantKeys []string
	for _, g := range got {
		gotKeys = append(gotKeys, fmt.Sprintf("%s@%d", g.Element.Key, g.Distance))
	}
	for _, w := range want {
		wantKeys = append(wantKeys, fmt.Sprintf("%s@%d", w.Key, w.Distance))
	}
	if !slices.Equal(gotKeys, wantKeys) {
		t.Fatalf("got  %v\nwant %v", gotKeys, wantKeys)
	}
	for i, w := range want {
		g := got[i]
		path := stepStrings(g.Path)
		switch {
		case w.Path != nil:
			if !slices.Equal(path, w.Path) {
				t.Errorf("%s: path %v, want %v", w.Key, path, w.Path)
			}
		case w.AnyPath != nil:
			if !slices.ContainsFunc(w.AnyPath, func(p []string) bool { return slices.Equal(p, path) }) {
				t.Errorf("%s: path %v, want one of %v", w.Key, path, w.AnyPath)
			}
		}
		if len(g.Path) != g.Distance {
			t.Errorf("%s: path has %d steps for distance %d", w.Key, len(g.Path), g.Distance)
			continue
		}
		for j := 1; j < len(g.Path); j++ {
			if g.Path[j-1].To.Key != g.Path[j].From.Key {
				t.Errorf("%s: path %v is not a chain", w.Key, path)
			}
		}
		if endsAt && (g.Path[len(g.Path)-1].To.Key != end || g.Path[0].From.Key != w.Key) {
			t.Errorf("%s: path %v should run from it to %s", w.Key, path, end)
		}
		if !endsAt && g.Path[len(g.Path)-1].To.Key != w.Key {
			t.Errorf("%s: path %v should end at it", w.Key, path)
		}
	}
}

const supportersQuery = `query($model: ID!, $key: ID!, $kinds: [Kind!], $maxDepth: Int) {
  supporters(model: $model, key: $key, kinds: $kinds, maxDepth: $maxDepth) {
    distance element { key } path { from { key } type to { key } }
  }
}`

const impactQuery = `query($model: ID!, $key: ID!, $types: [RelationshipType!], $maxDepth: Int) {
  impact(model: $model, key: $key, relationshipTypes: $types, maxDepth: $maxDepth) {
    source { key }
    scope { key }
    affected { distance element { key } path { from { key } type to { key } } }
    attached { element { key } via to { key } }
    counts { kind count }
  }
}`

const pathQuery = `query($model: ID!, $from: ID!, $to: ID!, $maxDepth: Int) {
  path(model: $model, from: $from, to: $to, maxDepth: $maxDepth) { from { key } type to { key } }
}`

func TestTraversalsOnDemoModel(t *testing.T) {
	t.Parallel()
	cases := readCases(t)
	a := newAPI(t, graphtest.Store(t))
	model := loadDemo(t, "lemonade-stand.yaml")

	for _, c := range cases.Supporters {
		t.Run("supporters/"+c.Name, func(t *testing.T) {
			var out struct{ Supporters []reached }
			a.ok(t, supportersQuery, map[string]any{"model": model, "key": c.Key, "kinds": c.Kinds, "maxDepth": c.MaxDepth}, &out)
			checkReached(t, out.Supporters, c.Want, c.Key, true)
		})
	}
	for _, c := range cases.Impact {
		t.Run("impact/"+c.Name, func(t *testing.T) {
			var out struct {
				Impact struct {
					Source   keyed
					Scope    []keyed
					Affected []reached
					Attached []struct {
						Element keyed
						Via     []string
						To      []keyed
					}
					Counts []struct {
						Kind  string
						Count int
					}
				}
			}
			a.ok(t, impactQuery, map[string]any{"model": model, "key": c.Key, "types": c.RelationshipTypes, "maxDepth": c.MaxDepth}, &out)
			im := out.Impact
			if im.Source.Key != c.Key {
				t.Errorf("source %s, want %s", im.Source.Key, c.Key)
			}
			var scope []string
			for _, s := range im.Scope {
				scope = append(scope, s.Key)
			}
			if !slices.Equal(scope, c.Scope) {
				t.Errorf("scope %v, want %v", scope, c.Scope)
			}
			checkReached(t, im.Affected, c.Affected, "", false)
			if c.Attached != nil {
				var got []attachedWant
				for _, at := range im.Attached {
					w := attachedWant{Key: at.Element.Key, Via: at.Via}
					for _, to := range at.To {
						w.To = append(w.To, to.Key)
					}
					got = append(got, w)
				}
				if !reflect.DeepEqual(got, c.Attached) {
					t.Errorf("attached %+v, want %+v", got, c.Attached)
				}
			}
			counts := map[string]int{}
			for _, kc := range im.Counts {
				counts[kc.Kind] = kc.Count
			}
			if !reflect.DeepEqual(counts, c.Counts) {
				t.Errorf("counts %v, want %v", counts, c.Counts)
			}
		})
	}
	for _, c := range cases.Path {
		t.Run("path/"+c.Name, func(t *testing.T) {
			var out struct{ Path *[]step }
			a.ok(t, pathQuery, map[string]any{"model": model, "from": c.From, "to": c.To, "maxDepth": c.MaxDepth}, &out)
			if c.Want == nil {
				if out.Path != nil {
					t.Fatalf("path %v, want null", stepStrings(*out.Path))
				}
				return
			}
			if out.Path == nil {
				t.Fatalf("path null, want %v", c.Want)
			}
			if got := stepStrings(*out.Path); !slices.Equal(got, c.Want) {
				t.Fatalf("path %v, want %v", got, c.Want)
			}
		})
	}
}

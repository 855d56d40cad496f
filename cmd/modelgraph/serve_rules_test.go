package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// oneProcessRule is a user rule: a function that holds exactly one process.
const oneProcessRule = `rules:
  - id: FUNCTION_ONE_PROCESS
    severity: INFO
    kinds: [BusinessFunction]
    require:
      not:
        scope: {kinds: [Process], exactly: 1}
    message: only one process belongs to this function
`

// TestServeRefusesBadRulesFile: a rules file with a mistake stops start-up, and the error says
// where the mistake is.
func TestServeRefusesBadRulesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	bad := strings.Replace(oneProcessRule, "kinds: [BusinessFunction]", "kinds: [BusinessFunctoin]", 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"serve", "-rules", path}},
		{map[string]string{"MODELGRAPH_RULES": path}, []string{"serve"}},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tc.args, func(k string) string { return tc.env[k] }, &out, &errOut)
		// Line 4, column 13 is where the misspelt kind stands.
		if code == exitOK || !strings.Contains(errOut.String(), path+":4:13:") || !strings.Contains(errOut.String(), "BusinessFunctoin") {
			t.Errorf("%v %v: exit %d, stderr %s; want a refusal at %s:4:13 naming BusinessFunctoin", tc.env, tc.args, code, errOut.String(), path)
		}
	}
}

// TestServeRunsUserRules: the rules of -rules run through the API beside the built-in ones.
func TestServeRunsUserRules(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(path, []byte(oneProcessRule), 0o600); err != nil {
		t.Fatal(err)
	}
	model := graphtest.ModelKey(t)
	f := &graph.File{
		Model: graph.Model{Key: model, Name: "Rules through serve"},
		Elements: []graph.Element{
			{Key: "fn-one", Kind: graph.BusinessFunction, Name: "One process", Properties: map[string]any{"group": "ENTERPRISE_SUPPORT"}},
			{Key: "fn-two", Kind: graph.BusinessFunction, Name: "Two processes", Properties: map[string]any{"group": "ENTERPRISE_SUPPORT"}},
			{Key: "p1", Kind: graph.Process, Name: "P1"},
			{Key: "p2", Kind: graph.Process, Name: "P2"},
			{Key: "p3", Kind: graph.Process, Name: "P3"},
		},
		Relationships: []graph.Relationship{
			{From: "p1", Type: graph.PartOf, To: "fn-one"},
			{From: "p2", Type: graph.PartOf, To: "fn-two"},
			{From: "p3", Type: graph.PartOf, To: "fn-two"},
		},
	}
	if _, err := graphtest.Store(t).Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	url, _ := serve(t, "-addr", "127.0.0.1:0", "-rules", path)
	body, _ := json.Marshal(map[string]any{
		"query":     `query($m: ID!) { alignment(model: $m, rules: ["FUNCTION_ONE_PROCESS", "FUNCTION_EMPTY"]) { totalCount nodes { rule severity element { key } } } }`,
		"variables": map[string]any{"m": model},
	})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Data   json.RawMessage
		Errors []any
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	// fn-one holds one process (the user rule fires); fn-two holds two; neither is empty.
	want := `{"alignment":{"totalCount":1,"nodes":[{"rule":"FUNCTION_ONE_PROCESS","severity":"INFO","element":{"key":"fn-one"}}]}}`
	if len(res.Errors) > 0 || string(res.Data) != want {
		t.Errorf("alignment with the user rule: %s %v, want %s", res.Data, res.Errors, want)
	}
}

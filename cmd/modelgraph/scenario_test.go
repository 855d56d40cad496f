package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph/graphtest"
)

const millA = `model: {key: shoes, name: Shoes}
elements:
  - {key: mill-a, kind: KeyPartner, name: Mill A}
  - {key: fabric, kind: KeyResource, name: Fabric}
  - {key: make, kind: KeyActivity, name: Make shoes}
  - {key: shoes, kind: ValueProposition, name: Running shoes}
  - {key: sales, kind: RevenueStream, name: Shoe sales, properties: {annualAmount: 1000}}
relationships:
  - {from: mill-a, type: SUPPLIES, to: fabric}
  - {from: fabric, type: SUPPORTS, to: make}
  - {from: make, type: SUPPORTS, to: shoes}
  - {from: shoes, type: GENERATES, to: sales}
`

// Two files: the second mill is added and takes half the fabric, so the 1000 of sales is no
// longer at risk from Mill A.
func TestDiffOfTwoFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte(millA), 0o644)
	two := strings.Replace(millA, "  - {from: mill-a, type: SUPPLIES, to: fabric}\n",
		"  - {from: mill-a, type: SUPPLIES, to: fabric, properties: {share: 0.5}}\n  - {from: mill-b, type: SUPPLIES, to: fabric, properties: {share: 0.5}}\n", 1)
	two = strings.Replace(two, "elements:\n", "elements:\n  - {key: mill-b, kind: KeyPartner, name: Mill B}\n", 1)
	os.WriteFile(b, []byte(two), 0o644)
	code, out, stderr := cli(t, "diff", a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"+ mill-b (KeyPartner) Mill B\n",
		"+ mill-b -SUPPLIES-> fabric\n",
		"~ mill-a -SUPPLIES-> fabric properties.share: (none) -> 0.5\n",
		"impacted (6): fabric, make, mill-a, mill-b, sales, shoes\n",
		"finding resolved: WARNING SINGLE_SOURCE fabric ",
		"revenue at risk from single sources: 1000 -> 0 (-1000)\n",
		"  mill-a: 1000 -> 0 (-1000)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
}

func TestScenarioCommands(t *testing.T) {
	dir := t.TempDir()
	base := graphtest.ModelKey(t)
	file := filepath.Join(dir, "m.yaml")
	os.WriteFile(file, []byte(millA), 0o644)
	if code, _, stderr := cli(t, "import", "-model", base, file); code != 0 {
		t.Fatal(stderr)
	}
	s := base + "-s"
	if code, out, stderr := cli(t, "scenario", "create", "-name", "Second mill", base, s); code != 0 || !strings.Contains(out, "scenario "+s+" of "+base+" at revision 1 created") {
		t.Fatalf("create: %d %s %s", code, out, stderr)
	}
	if code, out, _ := cli(t, "scenario", "list", base); code != 0 || !strings.Contains(out, s) || !strings.Contains(out, "0 changes") {
		t.Errorf("list: %s", out)
	}
	if code, out, _ := cli(t, "scenario", "diff", s); code != 0 || !strings.Contains(out, "no differences") {
		t.Errorf("diff of an unchanged scenario: %s", out)
	}
	if code, out, _ := cli(t, "diff", base, base+"@1"); code != 0 || !strings.Contains(out, "no differences") {
		t.Errorf("model against its own revision: %s", out)
	}
	if code, out, stderr := cli(t, "scenario", "merge", "-dry-run", s); code != 0 || !strings.Contains(out, "would merge into "+base+" (revision 1): elements 0 created") {
		t.Errorf("merge -dry-run: %s %s", out, stderr)
	}
	if code, out, _ := cli(t, "scenario", "drop", s); code != 0 || !strings.Contains(out, "dropped") {
		t.Errorf("drop: %s", out)
	}
	if code, _, stderr := cli(t, "scenario", "drop", s); code != 1 || !strings.Contains(stderr, "not found") {
		t.Errorf("drop twice: %d %s", code, stderr)
	}
	if code, _, _ := cli(t, "scenario", "frobnicate"); code != 2 {
		t.Errorf("unknown subcommand: exit %d", code)
	}
}

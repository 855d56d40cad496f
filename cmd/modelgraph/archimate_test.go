package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph/archimate"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// A demo model exported as an ArchiMate file and imported again changes nothing in the store.
func TestArchimateExportImportRoundTrip(t *testing.T) {
	key := graphtest.ModelKey(t)
	if code, stdout, stderr := cli(t, "import", "-model", key, "../../seed/lemonade-stand.yaml"); code != 0 {
		t.Fatalf("import exited %d: %s %s", code, stdout, stderr)
	}
	code, exported, stderr := cli(t, "export", "-format", "archimate", key)
	if code != 0 {
		t.Fatalf("export exited %d: %s", code, stderr)
	}
	if !archimate.IsExchange([]byte(exported)) {
		t.Fatalf("export is not an exchange file:\n%.300s", exported)
	}
	path := filepath.Join(t.TempDir(), "exported.data") // detected by content, not by name
	if err := os.WriteFile(path, []byte(exported), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := cli(t, "import", "-model", key, path)
	want := "elements 0 created, 0 updated, 77 unchanged, 0 deleted; relationships 0 created, 0 updated, 169 unchanged, 0 deleted"
	if code != 0 || !strings.Contains(stdout, want) || !strings.Contains(stdout, "archimate: read as model "+key+": 77 elements, 169 relationships") {
		t.Fatalf("re-import of the ArchiMate export exited %d:\n%s%s", code, stdout, stderr)
	}
}

func TestValidateOfExchangeFiles(t *testing.T) {
	code, stdout, stderr := cli(t, "validate", "../../graph/archimate/testdata/bakery.xml")
	if code != 0 || !strings.Contains(stdout, "elements of types without a mapping, not imported: AndJunction 1, BusinessEvent 2, BusinessObject 1, DataObject 1") ||
		!strings.Contains(stdout, "bakery.xml: ok, model corner-bakery, 6 elements, 5 relationships") {
		t.Errorf("validate bakery.xml exited %d:\n%s%s", code, stdout, stderr)
	}
	refused := "../../graph/archimate/testdata/refused.xml"
	code, _, stderr = cli(t, "validate", refused)
	if code != exitFail || !strings.Contains(stderr, refused+":11:5: relationship r-serving type: Serving from baker (Role) to shop (OrgUnit)") ||
		!strings.Contains(stderr, refused+":12:5: relationship r-ours (bake -DELIVERS-> shop) type:") {
		t.Errorf("validate refused.xml exited %d:\n%s", code, stderr)
	}
	code, stdout, stderr = cli(t, "validate", "-lenient", refused)
	if code != 0 || !strings.Contains(stdout, "archimate: 11:5: relationship r-serving skipped") || !strings.Contains(stdout, "ok, model refusals, 3 elements, 1 relationships") {
		t.Errorf("validate -lenient refused.xml exited %d:\n%s%s", code, stdout, stderr)
	}
}

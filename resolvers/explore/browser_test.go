package explore_test

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
	"github.com/modelgraph/modelgraph/resolvers/explore"
)

var update = flag.Bool("update", false, "write the explorer screenshots into docs/")

func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }

// page is one headless Chromium tab on the real handler, recording every request and error.
type page struct {
	ctx  context.Context
	base *url.URL
	dir  string // downloads

	mu        sync.Mutex
	requests  []string
	problems  []string
	downloads map[string]string // guid -> suggested file name, once completed
	done      chan string
}

// chromium finds the browser: $CHROMIUM, chromium on PATH or /usr/bin/chromium. It fails (never
// skips) without one.
func chromium(t *testing.T) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "chromium", "/usr/bin/chromium"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("the explorer's browser tests need Chromium: install Debian's chromium package (.ci/run does) or set CHROMIUM")
	return ""
}

func newPage(t *testing.T) *page {
	t.Helper()
	srv := httptest.NewServer(resolvers.NewHandler(graphtest.Store(t), resolvers.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	// Not t.TempDir: Chromium's helper processes may still write into its profile for a moment
	// after the browser closes, which would fail the test in TempDir's cleanup.
	profile, err := os.MkdirTemp("", "modelgraph-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(profile), chromedp.WindowSize(1400, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx) // closes the browser and waits for it
		cancelT()
		cancel()
		cancelA()
		_ = os.RemoveAll(profile) // best effort, see above
	})
	p := &page{ctx: ctx, base: base, dir: t.TempDir(), downloads: map[string]string{}, done: make(chan string, 4)}
	chromedp.ListenTarget(ctx, p.listen)
	p.run(t, network.Enable(), cdplog.Enable(), runtime.Enable(),
		browser.SetDownloadBehavior(browser.SetDownloadBehaviorBehaviorAllowAndName).WithDownloadPath(p.dir).WithEventsEnabled(true))
	return p
}

func (p *page) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, ev.Request.URL)
	case *runtime.EventExceptionThrown:
		p.problems = append(p.problems, "exception: "+ev.ExceptionDetails.Error())
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.LevelError {
			p.problems = append(p.problems, fmt.Sprintf("%s: %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.APITypeError {
			p.problems = append(p.problems, "console error")
		}
	case *browser.EventDownloadWillBegin:
		p.downloads[ev.GUID] = ev.SuggestedFilename
	case *browser.EventDownloadProgress:
		if ev.State == browser.DownloadProgressStateCompleted {
			p.done <- ev.GUID
		}
	}
}

func (p *page) run(t *testing.T, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(p.ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// open loads the explorer with a query string and waits until its view is drawn.
func (p *page) open(t *testing.T, query string) {
	t.Helper()
	p.run(t, chromedp.Navigate(p.base.String()+explore.Prefix+"?"+query), waitView())
}

func waitView() chromedp.Action {
	return chromedp.WaitVisible(`#view[data-state=ready]`, chromedp.ByQuery)
}

func waitGraph() chromedp.Action {
	return chromedp.WaitVisible(`#graph[data-state=ready]`, chromedp.ByQuery)
}

func (p *page) attr(t *testing.T, sel, name string) string {
	t.Helper()
	var v string
	var ok bool
	p.run(t, chromedp.AttributeValue(sel, name, &v, &ok, chromedp.ByQuery))
	if !ok {
		t.Fatalf("%s has no %s", sel, name)
	}
	return v
}

func (p *page) intAttr(t *testing.T, sel, name string) int {
	t.Helper()
	n, err := strconv.Atoi(p.attr(t, sel, name))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// download clicks a download button and returns the file's suggested name and content.
func (p *page) download(t *testing.T, sel string) (string, []byte) {
	t.Helper()
	p.run(t, chromedp.Click(sel, chromedp.ByQuery))
	select {
	case guid := <-p.done:
		data, err := os.ReadFile(filepath.Join(p.dir, guid))
		if err != nil {
			t.Fatal(err)
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.downloads[guid], data
	case <-time.After(30 * time.Second):
		t.Fatal("no download completed")
	}
	return "", nil
}

// checkClean fails for any request to another host and any script error or policy violation.
func (p *page) checkClean(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		t.Fatal("no request recorded")
	}
	for _, r := range p.requests {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "blob" && u.Scheme != "data" && u.Host != p.base.Host) {
			t.Errorf("request to another host: %s", r)
		}
	}
	for _, m := range p.problems {
		t.Errorf("page problem: %s", m)
	}
}

func (p *page) screenshot(t *testing.T, name string) {
	t.Helper()
	if !*update {
		return
	}
	var png []byte
	p.run(t, chromedp.Sleep(300*time.Millisecond), chromedp.CaptureScreenshot(&png))
	if err := os.WriteFile(filepath.Join("..", "..", "docs", name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// canvasKinds maps the canvas blocks to their kinds, as the contract names them.
var canvasKinds = graph.KindsIn(graph.Canvas)

func TestExplorerLemonadeStand(t *testing.T) {
	model, d := loadDemo(t, "lemonade-stand.yaml")
	p := newPage(t)

	// Home: counts by kind, as the file has them.
	p.open(t, "model="+model)
	var counts map[string]string
	p.run(t, chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll('#home tr[data-kind]')].map(r => [r.dataset.kind, r.cells[1].textContent]))`, &counts))
	want := map[string]string{}
	for _, e := range d.file.Elements {
		n, _ := strconv.Atoi(want[string(e.Kind)])
		want[string(e.Kind)] = strconv.Itoa(n + 1)
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("home counts %v, want %v", counts, want)
	}

	// Canvas: each of the nine blocks holds exactly the elements of its kind.
	p.open(t, "model="+model+"&view=canvas")
	var blocks map[string][]string
	p.run(t, chromedp.Evaluate(`Object.fromEntries([...document.querySelectorAll('#canvas .block')].map(b => [b.dataset.kind, [...b.querySelectorAll('.element')].map(e => e.dataset.key)]))`, &blocks))
	if len(blocks) != 9 {
		t.Errorf("%d blocks, want 9", len(blocks))
	}
	for _, k := range canvasKinds {
		got, want := slices.Sorted(slices.Values(blocks[string(k)])), slices.Sorted(slices.Values(d.keysOfKind(k)))
		if !slices.Equal(got, want) {
			t.Errorf("block %s holds %v, want %v", k, got, want)
		}
	}
	p.screenshot(t, "explorer-canvas.png")

	// Clicking a value proposition, then its supporters graph: the start, its supporters and
	// the elements on their paths (all of them supporters themselves, at fewer hops).
	const vp = "vp-fresh-lemonade"
	sup := d.supporters(vp, 6)
	p.run(t, chromedp.Click(`#canvas [data-key="`+vp+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#details .open-supporters`, chromedp.ByQuery),
		chromedp.Click(`#details .open-supporters`, chromedp.ByQuery), waitView(), waitGraph())
	if got := p.intAttr(t, "#graph", "data-nodes"); got != 1+len(sup) {
		t.Errorf("supporters graph of %s has %d nodes, want 1 + %d supporters", vp, got, len(sup))
	}
	var loc string
	p.run(t, chromedp.Location(&loc))
	if u, _ := url.Parse(loc); u.Query().Get("view") != "supporters" || u.Query().Get("key") != vp || u.Query().Get("model") != model {
		t.Errorf("URL %s does not name the view", loc)
	}

	// Table form and CSV: one row per supporter with its distance.
	p.run(t, chromedp.Click(`#toggle-form`, chromedp.ByQuery), waitView(), chromedp.WaitVisible(`#rows`, chromedp.ByQuery))
	name, data := p.download(t, `#download-csv`)
	if !strings.HasSuffix(name, ".csv") {
		t.Errorf("download named %q", name)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(sup) || !slices.Equal(rows[0][:5], []string{"key", "kind", "category", "name", "distance"}) {
		t.Fatalf("CSV has %d rows (want header + %d), header %v", len(rows), len(sup), rows[0])
	}
	for _, r := range rows[1:] {
		if dist, ok := sup[r[0]]; !ok || strconv.Itoa(dist) != r[4] {
			t.Errorf("CSV row %v: want distance %d (supporter: %v)", r, dist, ok)
		}
	}

	// An impact view opened by its URL: the start and every affected element (the start has no
	// parts, so every path starts at it and holds only affected elements).
	const key = "proc-squeeze-lemons"
	if d.hasParts(key) {
		t.Fatalf("%s has parts; pick another element", key)
	}
	p.open(t, "model="+model+"&view=impact&key="+key)
	p.run(t, waitGraph())
	if got, want := p.intAttr(t, "#graph", "data-nodes"), 1+len(d.impact(key, 6)); got != want {
		t.Errorf("impact graph of %s has %d nodes, want %d", key, got, want)
	}
	p.checkClean(t)
}

func TestExplorerSportswear(t *testing.T) {
	model, d := loadDemo(t, "sportswear-retailer.yaml")
	p := newPage(t)

	// Page load, reported (not asserted): navigation start to the drawn canvas.
	for _, view := range []string{"home", "canvas"} {
		var ms float64
		p.open(t, "model="+model+"&view="+view)
		p.run(t, chromedp.Evaluate(`performance.now()`, &ms))
		t.Logf("sportswear %s view ready %.0f ms after navigation start", view, ms)
	}

	// The impact of the logistics function, for the screenshot.
	p.open(t, "model="+model+"&view=impact&key=fn-logistics")
	p.run(t, waitGraph())
	t.Logf("impact of fn-logistics: %s nodes", p.attr(t, "#graph", "data-nodes"))
	p.screenshot(t, "explorer-impact.png")

	// Exposure of the single-source mill: its revenue at risk, worked out from the file.
	const partner = "partner-coolweave-mill"
	want, streams := d.revenueAtRisk(partner, 6)
	sort.Strings(streams)
	p.open(t, "model="+model+"&view=exposure&key="+partner)
	var summary string
	p.run(t, chromedp.Text(`#summary`, &summary, chromedp.ByQuery))
	if wantText := "revenue at risk " + formatAmount(want); !strings.Contains(summary, wantText) {
		t.Errorf("exposure summary %q, want %q (streams %v)", summary, wantText, streams)
	}
	p.checkClean(t)
}

// formatAmount writes an amount as the page does (en locale, thousands separators).
func formatAmount(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// TestPlayground loads the playground (GraphiQL with its explorer plugin) and runs a query
// pasted over the default one at once: it must run under its own operation name.
func TestPlayground(t *testing.T) {
	model, _ := loadDemo(t, "lemonade-stand.yaml")
	p := newPage(t)
	var resp string
	p.run(t, chromedp.Navigate(p.base.String()+"/"),
		chromedp.WaitVisible(`.graphiql-query-editor .CodeMirror`, chromedp.ByQuery),
		chromedp.WaitVisible(`.graphiql-execute-button`, chromedp.ByQuery),
		chromedp.Sleep(500*time.Millisecond),
		chromedp.Evaluate(`document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('query Pasted { model(key: "`+model+`") { key } }');
			document.querySelector('.graphiql-execute-button').click(); true`, nil),
		chromedp.Poll(`(document.querySelector('.graphiql-response .CodeMirror') || {CodeMirror: {getValue: () => ''}}).CodeMirror.getValue()`, &resp,
			chromedp.WithPollingTimeout(20*time.Second)))
	if !strings.Contains(resp, `"key": "`+model+`"`) {
		t.Errorf("pasted query answered %s", resp)
	}
	p.checkClean(t)
}

// TestExplorerGroups draws a supporters graph of more than maxNodes elements: 320 processes
// realize one value proposition, so they are one aggregate node (Process, distance 1) with
// the start, and clicking it draws all 321.
func TestExplorerGroups(t *testing.T) {
	const n = 320
	f := &graph.File{Model: graph.Model{Key: graphtest.ModelKey(t), Name: "Many processes"}}
	f.Elements = append(f.Elements, graph.Element{Key: "vp", Kind: graph.ValueProposition, Name: "The offer"})
	for i := range n {
		k := fmt.Sprintf("proc-%03d", i)
		f.Elements = append(f.Elements, graph.Element{Key: k, Kind: graph.Process, Name: k})
		f.Relationships = append(f.Relationships, graph.Relationship{From: k, Type: graph.Realizes, To: "vp"})
	}
	if _, err := graphtest.Store(t).Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	p := newPage(t)
	p.open(t, "model="+f.Model.Key+"&view=supporters&key=vp")
	p.run(t, waitGraph())
	if nodes, groups := p.intAttr(t, "#graph", "data-nodes"), p.intAttr(t, "#graph", "data-groups"); nodes != 2 || groups != 1 {
		t.Fatalf("grouped graph: %d nodes, %d groups; want the start and one group", nodes, groups)
	}
	// Tap the group through cytoscape's own event, as a click on it does.
	p.run(t, chromedp.Evaluate(`document.getElementById('graph').dataset.state = 'tapped'; window.explorerGraph.cy.nodes('.group').emit('tap'); true`, nil), waitGraph())
	if nodes, groups := p.intAttr(t, "#graph", "data-nodes"), p.intAttr(t, "#graph", "data-groups"); nodes != 1+n || groups != 0 {
		t.Errorf("opened group: %d nodes, %d groups; want %d and 0", nodes, groups, 1+n)
	}
	p.checkClean(t)
}

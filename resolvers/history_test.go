package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
	"github.com/modelgraph/modelgraph/resolvers/auth"
)

// pastFields are the fields of a model compared between its state then and its past state.
const pastFields = `revision elementCount relationshipCount counts { kind count }
  alignmentSummary { total } currency
  canvas {
    valuePropositions { key name incoming { type from { key name } } }
    keyPartners { key name properties outgoing { type properties to { key } } }
    keyResources { key name supporters { element { key } distance } }
  }`

// TestPastModelEqualsItsStateThen edits a model through the API, saves its export and its
// fields after every revision, then reads every revision as of it and compares exactly.
func TestPastModelEqualsItsStateThen(t *testing.T) {
	a := newAPI(t, graphtest.Store(t))
	key := graphtest.ModelKey(t)
	type then struct{ export, model string }
	saved := map[int]then{}
	save := func() {
		t.Helper()
		var out struct {
			ExportModel string
			Model       json.RawMessage
		}
		a.ok(t, `query($m: ID!) { exportModel(model: $m) model(key: $m) { `+pastFields+` } }`, map[string]any{"m": key}, &out)
		var rev struct{ Revision int }
		if err := json.Unmarshal(out.Model, &rev); err != nil {
			t.Fatal(err)
		}
		saved[rev.Revision] = then{out.ExportModel, string(out.Model)}
	}
	mutate := func(q string) {
		t.Helper()
		var out map[string]any
		a.ok(t, q, map[string]any{"m": key}, &out)
		save()
	}
	mutate(`mutation($m: ID!) { createModel(input: {key: $m, name: "Lemonade"}) { key } }`)
	mutate(`mutation($m: ID!) { upsertElements(model: $m, elements: [
  {key: "vp", kind: ValueProposition, name: "Fresh lemonade"},
  {key: "act", kind: Process, name: "Squeeze"},
  {key: "kr", kind: KeyResource, name: "Lemons"},
  {key: "kp", kind: KeyPartner, name: "Farm", properties: {country: "ES"}}]) { key } }`)
	mutate(`mutation($m: ID!) { link(model: $m, from: "act", type: REALIZES, to: "vp") { type } }`)
	mutate(`mutation($m: ID!) { link(model: $m, from: "kp", type: SUPPLIES, to: "kr", properties: {share: 1, substitutable: false}) { type } }`)
	mutate(`mutation($m: ID!) { link(model: $m, from: "kr", type: SUPPORTS, to: "act") { type } }`)
	mutate(`mutation($m: ID!) { updateElement(model: $m, key: "vp", patch: {name: "Iced lemonade", properties: {price: 2.5}}) { version } }`)
	mutate(`mutation($m: ID!) { deleteElement(model: $m, key: "kp", detach: true) { key } }`)
	mutate(`mutation($m: ID!) { upsertElement(model: $m, element: {key: "kp2", kind: KeyPartner, name: "Grove"}) { key } }`)
	mutate(`mutation($m: ID!) { link(model: $m, from: "kp2", type: SUPPLIES, to: "kr", properties: {share: 0.5}) { type } }`)
	if len(saved) != 9 {
		t.Fatalf("saved %d revisions, want 9: %v", len(saved), saved)
	}
	for rev := 1; rev <= 9; rev++ {
		var out struct {
			ExportModel string
			Model       json.RawMessage
		}
		a.ok(t, `query($m: ID!, $r: Int) { exportModel(model: $m, revision: $r) model(key: $m, revision: $r) { past `+pastFields+` } }`,
			map[string]any{"m": key, "r": rev}, &out)
		if out.ExportModel != saved[rev].export {
			t.Errorf("exportModel(revision: %d):\n%s\nthen:\n%s", rev, out.ExportModel, saved[rev].export)
		}
		got := strings.Replace(string(out.Model), `{"past":true,`, `{`, 1)
		if got != saved[rev].model {
			t.Errorf("model(revision: %d):\n%s\nthen:\n%s", rev, got, saved[rev].model)
		}
	}
	// By hand: at revision 4 the farm supplies the lemons alone; at 9 the grove does, half.
	if !strings.Contains(saved[4].model, `"key":"kp","name":"Farm","properties":{"country":"ES"},"outgoing":[{"type":"SUPPLIES","properties":{"share":1,"substitutable":false},"to":{"key":"kr"}}]`) {
		t.Errorf("state at 4: %s", saved[4].model)
	}
	if strings.Contains(saved[9].model, `"Farm"`) || !strings.Contains(saved[9].model, `"share":0.5`) {
		t.Errorf("state at 9: %s", saved[9].model)
	}
	// One operation may read a model now and as it was.
	var both struct{ Now, Then struct{ Name string } }
	a.ok(t, `query($m: ID!) { now: model(key: $m) { name } then: model(key: $m, revision: 1) { name } }`, map[string]any{"m": key}, &both)
	if both.Now.Name != "Lemonade" || both.Then.Name != "Lemonade" {
		t.Errorf("now and then: %+v", both)
	}
	for _, tc := range []struct {
		rev  int
		want string
	}{
		{0, "revision 0 is before the model's first write; revisions 1 to 9 can be read"},
		{10, "revision 10 is ahead of the model, which is at revision 9"},
	} {
		res := a.do(t, context.Background(), `query($m: ID!, $r: Int) { model(key: $m, revision: $r) { name } }`, map[string]any{"m": key, "r": tc.rev})
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(res.Errors[0].Message, tc.want) {
			t.Errorf("revision %d: %+v, want BAD_USER_INPUT %q", tc.rev, res.Errors, tc.want)
		}
	}
}

// wsClient speaks graphql-transport-ws to a server.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	ctx  context.Context
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func dialFeed(t *testing.T, ctx context.Context, url string, init map[string]any, header http.Header) (*wsClient, error) {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header,
	})
	if err != nil {
		return nil, err
	}
	c := &wsClient{t: t, conn: conn, ctx: ctx}
	p, _ := json.Marshal(init)
	if err := wsjson.Write(ctx, conn, wsMessage{Type: "connection_init", Payload: p}); err != nil {
		return nil, err
	}
	m, err := c.read()
	if err != nil {
		return nil, err
	}
	if m.Type != "connection_ack" {
		return nil, fmt.Errorf("connection_init answered %s %s", m.Type, m.Payload)
	}
	return c, nil
}

// read returns the next message other than a ping or pong (a ping is answered).
func (c *wsClient) read() (wsMessage, error) {
	for {
		var m wsMessage
		if err := wsjson.Read(c.ctx, c.conn, &m); err != nil {
			return m, err
		}
		switch m.Type {
		case "ping":
			if err := wsjson.Write(c.ctx, c.conn, wsMessage{Type: "pong"}); err != nil {
				return m, err
			}
		case "pong", "ka", "complete":
		default:
			return m, nil
		}
	}
}

func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	p, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err := wsjson.Write(c.ctx, c.conn, wsMessage{ID: id, Type: "subscribe", Payload: p}); err != nil {
		c.t.Fatal(err)
	}
}

// revision is what the test checks of one delivered revision.
type revision struct {
	Revision    int
	Actor       *string
	Recorded    bool
	ChangeCount int
	Changes     []struct{ Operation, Target, Key string }
}

func (r revision) String() string {
	s := fmt.Sprintf("%d", r.Revision)
	if !r.Recorded {
		s += " unrecorded"
	}
	for _, c := range r.Changes {
		s += fmt.Sprintf(" %s %s %s;", c.Operation, c.Target, c.Key)
	}
	return s
}

const feedQuery = `subscription($m: ID!, $since: Int) { changes(model: $m, sinceRevision: $since) {
  revision actor recorded changeCount changes { operation target key } } }`

// next reads the next revision of subscription id.
func (c *wsClient) next(id string) revision {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("waiting for a revision: %v", err)
	}
	if m.Type != "next" || m.ID != id {
		c.t.Fatalf("got %s %s %s, want next for %s", m.Type, m.ID, m.Payload, id)
	}
	var p struct {
		Data   struct{ Changes revision }
		Errors []any
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		c.t.Fatalf("next %s: %v %v", m.Payload, err, p.Errors)
	}
	return p.Data.Changes
}

func feedServer(t *testing.T, store *graph.Store, opts resolvers.Options) *httptest.Server {
	t.Helper()
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.MaxImportElements = 1000
	opts.FeedPoll = 20 * time.Millisecond
	srv := httptest.NewServer(resolvers.NewHandler(store, opts))
	t.Cleanup(srv.Close)
	return srv
}

func postTo(t *testing.T, url, query string, vars map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	res, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("%s: %v %+v", query, err, out.Errors)
	}
}

// TestChangesFeedAcrossReconnect subscribes to server A and writes through A, through a second
// server B on its own store, and straight to the store (as the command line does), while
// connected and while disconnected; every revision arrives once, in order.
func TestChangesFeedAcrossReconnect(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	store := graphtest.Store(t)
	user, pass := graphtest.Credentials()
	storeB, err := graph.Open(ctx, graph.Config{URI: graphtest.URI(), Username: user, Password: pass, Database: os.Getenv("NEO4J_TEST_DATABASE")}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer storeB.Close(ctx)
	a := feedServer(t, store, resolvers.Options{})
	b := feedServer(t, storeB, resolvers.Options{})
	key := graphtest.ModelKey(t)
	vars := map[string]any{"m": key}
	upsert := func(url, k, name string) {
		postTo(t, url, `mutation($m: ID!, $k: ID!, $n: String!) { upsertElement(model: $m, element: {key: $k, kind: Process, name: $n}) { key } }`,
			map[string]any{"m": key, "k": k, "n": name})
	}
	postTo(t, a.URL, `mutation($m: ID!) { createModel(input: {key: $m, name: "Feed"}) { key } }`, vars) // 1

	c, err := dialFeed(t, ctx, a.URL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe("s1", feedQuery, map[string]any{"m": key, "since": 0})
	var got []string
	got = append(got, c.next("s1").String())
	upsert(a.URL, "p1", "One") // 2, through A
	got = append(got, c.next("s1").String())
	upsert(b.URL, "p2", "Two") // 3, through B
	got = append(got, c.next("s1").String())
	c.conn.Close(websocket.StatusNormalClosure, "")

	// Disconnected: a write through B, one through A, a bulk load without history (as
	// `modelgraph import -no-history` makes), and a link through B.
	upsert(b.URL, "p3", "Three")     // 4
	upsert(a.URL, "p1", "One again") // 5
	bulk := &graph.File{Model: graph.Model{Key: key, Name: "Feed"}, Elements: []graph.Element{{Key: "p9", Kind: graph.Process, Name: "Bulk"}}}
	if _, err := storeB.Import(ctx, bulk, graph.ImportOptions{NoHistory: true}); err != nil { // 6
		t.Fatal(err)
	}
	postTo(t, b.URL, `mutation($m: ID!) { link(model: $m, from: "p1", type: FLOWS_TO, to: "p2") { type } }`, vars) // 7

	c, err = dialFeed(t, ctx, a.URL, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe("s2", feedQuery, map[string]any{"m": key, "since": 3})
	for range 4 {
		got = append(got, c.next("s2").String())
	}
	upsert(b.URL, "p4", "Four") // 8, through B while connected
	got = append(got, c.next("s2").String())
	// Nothing is repeated: the next message is the next write.
	postTo(t, b.URL, `mutation($m: ID!) { unlink(model: $m, from: "p1", type: FLOWS_TO, to: "p2") }`, vars) // 9
	got = append(got, c.next("s2").String())

	want := []string{
		"1 CREATE MODEL " + key + ";",
		"2 CREATE ELEMENT p1;",
		"3 CREATE ELEMENT p2;",
		"4 CREATE ELEMENT p3;",
		"5 UPDATE ELEMENT p1;",
		"6 unrecorded",
		"7 CREATE RELATIONSHIP p1 -FLOWS_TO-> p2;",
		"8 CREATE ELEMENT p4;",
		"9 DELETE RELATIONSHIP p1 -FLOWS_TO-> p2;",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("received\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	c.conn.Close(websocket.StatusNormalClosure, "")
}

// TestChangesFeedRefusals: the subscriber bound, queries over the socket, a revision ahead of
// the model, and authentication in the connection_init payload.
func TestChangesFeedRefusals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	store := graphtest.Store(t)
	tokens, err := auth.NewTokens(store, 0)
	if err != nil {
		t.Fatal(err)
	}
	srv := feedServer(t, store, resolvers.Options{MaxSubscribers: 1, Auth: auth.Either(tokens, nil)})
	key := graphtest.ModelKey(t)
	smallModel(t, key)
	viewer := token(t, "viewer", key)

	if _, err := dialFeed(t, ctx, srv.URL, nil, nil); err == nil || !strings.Contains(err.Error(), "4401") {
		t.Errorf("no token: %v, want the connection closed with 4401", err)
	}
	if _, err := dialFeed(t, ctx, srv.URL, map[string]any{"Authorization": "Bearer mgt_nonsense"}, nil); err == nil || !strings.Contains(err.Error(), "4403") {
		t.Errorf("a bad token: %v, want 4403", err)
	}
	c, err := dialFeed(t, ctx, srv.URL, map[string]any{"Authorization": "Bearer " + viewer}, nil)
	if err != nil {
		t.Fatal(err)
	}
	errorOf := func(id string) map[string]any {
		t.Helper()
		m, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		raw := m.Payload
		if m.Type == "error" {
			raw = []byte(`{"errors":` + string(m.Payload) + `}`)
		}
		if err := json.Unmarshal(raw, &p); err != nil || m.ID != id || len(p.Errors) != 1 {
			t.Fatalf("got %s %s %s, want one error for %s", m.Type, m.ID, m.Payload, id)
		}
		return map[string]any{"code": p.Errors[0].Extensions["code"], "message": p.Errors[0].Message}
	}
	c.subscribe("q", `query($m: ID!) { model(key: $m) { name } }`, map[string]any{"m": key})
	if e := errorOf("q"); e["code"] != "SUBSCRIPTIONS_ONLY" {
		t.Errorf("a query over the socket: %v", e)
	}
	c.subscribe("ahead", feedQuery, map[string]any{"m": key, "since": 99})
	if e := errorOf("ahead"); e["code"] != "BAD_USER_INPUT" || !strings.Contains(e["message"].(string), "sinceRevision: must be between 0 and 1") {
		t.Errorf("since ahead: %v", e)
	}
	c.subscribe("other", feedQuery, map[string]any{"m": key + "-missing"})
	if e := errorOf("other"); e["code"] != "NOT_FOUND" {
		t.Errorf("another model: %v", e)
	}
	c.subscribe("one", feedQuery, map[string]any{"m": key, "since": 0})
	if r := c.next("one"); r.Revision != 1 {
		t.Errorf("first revision %d", r.Revision)
	}
	c.subscribe("two", feedQuery, map[string]any{"m": key, "since": 0})
	if e := errorOf("two"); e["code"] != "TOO_MANY_SUBSCRIBERS" {
		t.Errorf("a second subscription with a bound of 1: %v", e)
	}
	c.conn.Close(websocket.StatusNormalClosure, "")
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"
)

// The bystander and the attackers run in processes of their own, started from this binary with
// `abuse bystander` and `abuse attackers`: building and sending 64 MiB bodies, and collecting
// their garbage, then costs the bystander only what it would cost a client on another machine
// sharing the processors, never a pause of its own garbage collector or a wait for its own
// scheduler. Each child reads its settings as one JSON value on stdin and writes its results as
// one JSON value on stdout; the bystander measures until its stdin closes, the attackers build
// their requests, say "ready" and start on the line "go".

// bystanderSpec is what the bystander process needs.
type bystanderSpec struct {
	URL       string   `json:"url"`
	LocalAddr string   `json:"local_addr"`
	Model     string   `json:"model"`
	Elements  []string `json:"elements"`
	VPs       []string `json:"vps"`
}

// attackSpec is what the attacker process needs: the probe's findings, from which it builds the
// same requests the probe sized.
type attackSpec struct {
	URL         string        `json:"url"`
	Model       string        `json:"model"`
	Hub         string        `json:"hub"`
	VP          string        `json:"vp"`
	Calibration []calibration `json:"calibration"`
	Attackers   int           `json:"attackers"`
	Passes      int           `json:"passes"`
	Timeout     time.Duration `json:"timeout"`
	Skip        string        `json:"skip"`
}

// runChild runs `abuse bystander` or `abuse attackers`.
func runChild(ctx context.Context, role string) error {
	in := bufio.NewReader(os.Stdin)
	dec := json.NewDecoder(in)
	out := json.NewEncoder(os.Stdout)
	switch role {
	case "bystander":
		var s bystanderSpec
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("bystander settings: %w", err)
		}
		stop := make(chan struct{})
		go func() {
			io.Copy(io.Discard, io.MultiReader(dec.Buffered(), in))
			close(stop)
		}()
		by := newBystander(s.URL, s.LocalAddr, &inputs{model: s.Model, elements: s.Elements, vps: s.VPs})
		return out.Encode(by.run(ctx, stop))
	case "attackers":
		var s attackSpec
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("attack settings: %w", err)
		}
		t := &attackTargets{model: s.Model, hub: s.Hub, vp: s.VP}
		cases := skipCases(casesFor(s.Calibration, t), s.Skip)
		fmt.Println("ready")
		rest := bufio.NewReader(io.MultiReader(dec.Buffered(), in))
		line, err := "", error(nil)
		for line == "" && err == nil { // the settings end with a newline
			line, err = rest.ReadString('\n')
			line = strings.TrimSpace(line)
		}
		if line != "go" {
			return fmt.Errorf("attackers: expected go, got %q (%v)", line, err)
		}
		log := slog.New(slog.NewTextHandler(os.Stderr, nil))
		c := abuseConfig{attackers: s.Attackers, passes: s.Passes, timeout: s.Timeout}
		return out.Encode(attack(ctx, s.URL, cases, c, log))
	}
	return fmt.Errorf("abuse: no role %q", role)
}

// child is a running bystander or attacker process.
type child struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startChild starts this binary as the given role and sends it its settings.
func startChild(ctx context.Context, role string, spec any) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "abuse", role)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, in: in, out: bufio.NewReader(out)}
	if err := json.NewEncoder(in).Encode(spec); err != nil {
		c.wait(nil)
		return nil, fmt.Errorf("%s settings: %w", role, err)
	}
	return c, nil
}

// line reads the child's next line of output.
func (c *child) line() (string, error) {
	s, err := c.out.ReadString('\n')
	return strings.TrimSpace(s), err
}

// wait closes the child's stdin, decodes its results into v (nil: none) and waits for it to end.
func (c *child) wait(v any) error {
	c.in.Close()
	var derr error
	if v != nil {
		derr = json.NewDecoder(c.out).Decode(v)
	}
	io.Copy(io.Discard, c.out)
	if err := c.cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(c.cmd.Args[1:], " "), err)
	}
	return derr
}

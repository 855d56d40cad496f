// Package launcher builds and runs the embedded Neo4j: Neo4j Community 5.26 started by the small
// Java program in this folder, with Bolt on loopback and its store in a data directory.
//
// The database requires a password: the Java side generates one at the first start and keeps it
// in the data directory (PasswordFile, mode 0600, the directory 0700); DB carries it for the
// driver. Bolt is served through a filter that drops anything but Bolt connections, so a web page
// cannot reach the database over a WebSocket.
//
// Start reuses a database that another modelgraph process already runs on the same data
// directory, so two processes never open one store; only the process that started the database
// stops it.
package launcher

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Config says where the launcher lives, where the store is kept and how the JVM is sized.
// Zero values take the defaults documented on each field.
type Config struct {
	Dir          string        // folder with pom.xml; default: this package's folder in the checkout
	DataDir      string        // store folder; default: .data/neo4j at the top of the checkout
	Port         int           // Bolt port on 127.0.0.1; default 7687
	Heap         string        // JVM maximum heap; default a quarter of MachineMemory, 1g to 8g (DefaultSizes)
	PageCache    string        // Neo4j page cache; default an eighth of MachineMemory, 128m to 4g (DefaultSizes)
	Java         string        // java binary; default $JAVA_HOME/bin/java or java on PATH
	Maven        string        // mvn binary; default mvn on PATH
	StartTimeout time.Duration // default 3 minutes
	Logger       *slog.Logger  // default: discard

	insecureNoAuth bool   // tests only: start with authentication off, as launchers once did
	sizing         string // where Heap and PageCache came from, for the start log
}

// PasswordFile is the file in the data directory that holds the password of the user neo4j.
const PasswordFile = "auth.password"

// Username is the one user of the embedded database.
const Username = "neo4j"

// DB is a running embedded database.
type DB struct {
	URI      string
	Username string // the constant Username
	Password string // the content of PasswordFile, read at Start
	owned    bool
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	done     chan struct{}
	log      *slog.Logger
	once     sync.Once
}

// Owned reports whether this process started the database (and so stops it).
func (d *DB) Owned() bool { return d.owned }

func (c *Config) defaults() error {
	if c.Dir == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return errors.New("launcher: cannot locate the launcher folder; set MODELGRAPH_LAUNCHER_DIR")
		}
		c.Dir = filepath.Dir(file)
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "pom.xml")); err != nil {
		return fmt.Errorf("launcher: no pom.xml in %s (set MODELGRAPH_LAUNCHER_DIR to the launcher folder of a modelgraph checkout): %w", c.Dir, err)
	}
	if c.DataDir == "" {
		c.DataDir = filepath.Join(filepath.Dir(c.Dir), ".data", "neo4j")
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return err
	}
	c.DataDir = abs
	if c.Port == 0 {
		c.Port = 7687
	}
	c.sizeDefaults(MachineMemory)
	if c.Java == "" {
		c.Java = "java"
		if h := os.Getenv("JAVA_HOME"); h != "" {
			c.Java = filepath.Join(h, "bin", "java")
		}
	}
	if c.Maven == "" {
		c.Maven = "mvn"
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = 3 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Start returns a database for cfg.DataDir: the one already running there, or a new one that it
// builds (on first use) and starts, waiting until Bolt answers.
func Start(ctx context.Context, cfg Config) (*DB, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("launcher: create data folder: %w", err)
	}
	// The store and the password file are the user's alone, also for a folder made before.
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("launcher: restrict data folder: %w", err)
	}
	unlock, err := lockFile(cfg.DataDir + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()
	if port, ok := runningPort(cfg.DataDir); ok {
		cfg.Logger.Info("using the embedded Neo4j already running on this data folder", "port", port, "data", cfg.DataDir)
		db := &DB{URI: boltURI(port), log: cfg.Logger}
		if err := db.readPassword(cfg); err != nil {
			return nil, fmt.Errorf("%w (the database on port %d may have been started by an older modelgraph without authentication: stop it and start again)", err, port)
		}
		return db, nil
	}
	if err := Build(ctx, cfg); err != nil {
		return nil, err
	}
	return start(ctx, cfg)
}

func boltURI(port int) string { return "bolt://127.0.0.1:" + strconv.Itoa(port) }

// readPassword sets the credentials from the data folder's password file.
func (d *DB) readPassword(cfg Config) error {
	if cfg.insecureNoAuth {
		return nil
	}
	path := filepath.Join(cfg.DataDir, PasswordFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("launcher: read the embedded Neo4j password: %w", err)
	}
	pw := strings.TrimSpace(string(b))
	if pw == "" {
		return fmt.Errorf("launcher: %s is empty; delete it and restart the embedded Neo4j to generate a new password", path)
	}
	d.Username, d.Password = Username, pw
	return nil
}

// runningPort reads the port file a running launcher leaves in its data folder and checks that
// Bolt answers there.
func runningPort(dataDir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dataDir, "launcher.port"))
	if err != nil {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, false
	}
	return port, BoltAnswers(port, 2*time.Second)
}

func start(ctx context.Context, cfg Config) (*DB, error) {
	if BoltAnswers(cfg.Port, time.Second) {
		return nil, fmt.Errorf("launcher: port %d already has a Bolt server that does not use %s; stop it, or set NEO4J_URI to use it, or choose another port", cfg.Port, cfg.DataDir)
	}
	logPath := filepath.Join(cfg.DataDir, "launcher.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("launcher: open log: %w", err)
	}
	args := []string{
		"-Xmx" + cfg.Heap, "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
		"-jar", filepath.Join(cfg.Dir, "target", "launcher.jar"),
		"--data", cfg.DataDir, "--port", strconv.Itoa(cfg.Port), "--page-cache", cfg.PageCache,
		"--exit-on-stdin-eof",
	}
	if cfg.insecureNoAuth {
		args = append(args, "--insecure-no-auth")
	}
	cmd := exec.Command(cfg.Java, args...)
	// Its own process group: Ctrl-C reaches modelgraph, which then stops the database in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	cfg.Logger.Info("starting embedded Neo4j", "port", cfg.Port, "data", cfg.DataDir, "log", logPath, "heap", cfg.Heap, "page_cache", cfg.PageCache, "sizes", cfg.sizing)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("launcher: start %s: %w (is a JDK 17+ installed?)", cfg.Java, err)
	}
	db := &DB{URI: boltURI(cfg.Port), owned: true, cmd: cmd, stdin: stdin, done: make(chan struct{}), log: cfg.Logger}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.HasPrefix(sc.Text(), "READY ") {
				signalled = true
				close(ready)
			}
		}
	}()
	go func() {
		cmd.Wait()
		logFile.Close()
		close(db.done)
	}()
	timer := time.NewTimer(cfg.StartTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		if err := db.readPassword(cfg); err != nil {
			db.Stop()
			return nil, err
		}
		cfg.Logger.Info("embedded Neo4j is ready", "uri", db.URI, "user", db.Username, "password_file", filepath.Join(cfg.DataDir, PasswordFile))
		return db, nil
	case <-db.done:
		return nil, fmt.Errorf("launcher: embedded Neo4j exited during start (%s); last lines of %s:\n%s", cmd.ProcessState, logPath, tail(logPath, 15))
	case <-timer.C:
		db.Stop()
		return nil, fmt.Errorf("launcher: embedded Neo4j not ready after %s; see %s", cfg.StartTimeout, logPath)
	case <-ctx.Done():
		db.Stop()
		return nil, ctx.Err()
	}
}

// Stop shuts the database down cleanly when this process started it (SIGTERM, then waits for the
// store to close); it does nothing for a database another process owns.
func (d *DB) Stop() error {
	if d == nil || !d.owned {
		return nil
	}
	var err error
	d.once.Do(func() {
		d.log.Info("stopping embedded Neo4j")
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(2 * time.Minute):
			_ = d.cmd.Process.Kill()
			<-d.done
			err = errors.New("launcher: embedded Neo4j did not stop within 2 minutes and was killed")
		}
		d.stdin.Close()
		if err == nil {
			d.log.Info("embedded Neo4j stopped")
		}
	})
	return err
}

// BoltAnswers reports whether a Bolt server answers the handshake on 127.0.0.1:port.
func BoltAnswers(port int, timeout time.Duration) bool {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), timeout)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	// Magic preamble, then four proposed versions: 5.x and 4.4.
	hello := []byte{0x60, 0x60, 0xB0, 0x17, 0, 0, 4, 5, 0, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := conn.Write(hello); err != nil {
		return false
	}
	var reply [4]byte
	if _, err := io.ReadFull(conn, reply[:]); err != nil {
		return false
	}
	return reply != [4]byte{}
}

// lockFile takes an exclusive advisory lock on path, waiting for it.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("launcher: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("launcher: lock %s: %w", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

package launcher

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Build compiles the launcher with Maven unless target/launcher.jar is newer than pom.xml and
// every source file. Concurrent callers (parallel test packages) wait for one build.
func Build(ctx context.Context, cfg Config) error {
	if err := cfg.defaults(); err != nil {
		return err
	}
	unlock, err := lockFile(filepath.Join(cfg.Dir, ".build.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	if upToDate(cfg.Dir) {
		return nil
	}
	cfg.Logger.Info("building the embedded Neo4j launcher with Maven (first use downloads Neo4j from Maven Central)", "dir", cfg.Dir)
	start := time.Now()
	cmd := exec.CommandContext(ctx, cfg.Maven, "-q", "-B", "package")
	cmd.Dir = cfg.Dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("launcher: %s package in %s failed: %w\n%s", cfg.Maven, cfg.Dir, err, lastBytes(out.Bytes(), 4000))
	}
	cfg.Logger.Info("launcher built", "took", time.Since(start).Round(time.Second))
	return nil
}

func upToDate(dir string) bool {
	jar, err := os.Stat(filepath.Join(dir, "target", "launcher.jar"))
	if err != nil {
		return false
	}
	if _, err := os.Stat(filepath.Join(dir, "target", "lib")); err != nil {
		return false
	}
	newer := false
	check := func(path string) {
		if st, err := os.Stat(path); err == nil && st.ModTime().After(jar.ModTime()) {
			newer = true
		}
	}
	check(filepath.Join(dir, "pom.xml"))
	_ = filepath.WalkDir(filepath.Join(dir, "src"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			check(p)
		}
		return nil
	})
	return !newer
}

func lastBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

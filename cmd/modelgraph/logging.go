package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// newLogger makes the log every command writes to standard error: LOG_FORMAT text (the default,
// key=value pairs) or json (one object a line), at LOG_LEVEL (debug, info, warn, error).
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: logLevel(level)}
	switch strings.ToLower(format) {
	case "", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("LOG_FORMAT must be json or text, not %q", format)
}

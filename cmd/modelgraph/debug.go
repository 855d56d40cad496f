package main

import (
	"expvar"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"
)

// serveDebug serves the Prometheus metrics, pprof profiles and expvar (including runtime memory
// statistics) on their own address, so they are never exposed on the API port.
func serveDebug(addr string, e *env, metrics http.Handler) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("debug listener on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics)
	mux.Handle("/debug/vars", expvar.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: loopbackHost(mux), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()
	e.log.Info("debug endpoints", "metrics", base+"/metrics", "pprof", base+"/debug/pprof/", "expvar", base+"/debug/vars")
	return func() { srv.Close() }, nil
}

// loopbackHost refuses a request whose Host header names anything but a loopback address or
// localhost: a web page that rebinds its own domain name to 127.0.0.1 must not read profiles,
// the command line or metrics from the debug address.
func loopbackHost(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hp, _, err := net.SplitHostPort(host); err == nil {
			host = hp
		}
		host = strings.Trim(host, "[]")
		ip := net.ParseIP(host)
		if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "the debug address answers only requests for a loopback host", http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}

package server

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"
)

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// route wraps h, served at the pattern route, with what every request gets:
// a body bounded to limit bytes, recovery from a panic (500, logged with
// its stack; the server keeps serving), the request counter and duration
// histogram by route, and one JSON log line — route, method, status,
// duration and X-GitHub-Delivery; never a header's or the body's content.
func (s *Server) route(route string, limit int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving a request", "route", route, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.report.panicked(route, v)
				if sw.status == 0 {
					http.Error(sw, "releasebot failed unexpectedly; the cause is in its log", http.StatusInternalServerError)
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			d := s.now().Sub(start)
			s.metrics.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
			s.metrics.duration.WithLabelValues(route).Observe(d.Seconds())
			attrs := []any{"route", route, "method", r.Method, "status", status, "duration_ms", float64(d.Microseconds()) / 1000}
			if id := r.Header.Get("X-GitHub-Delivery"); id != "" {
				attrs = append(attrs, "delivery", oneLine(id, 64))
			}
			s.log.Info("request", attrs...)
		}()
		h.ServeHTTP(sw, r)
	})
}

// now is the server's clock.
func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// logWriter turns the workflow-command lines a background command's
// action.Runtime prints (::group::, ::error::, plain log lines) into log
// lines of the server, one per line, with the delivery and request id.
type logWriter struct {
	log *slog.Logger
	buf []byte
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		if line := string(w.buf[:i]); line != "" {
			w.log.Info(line)
		}
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

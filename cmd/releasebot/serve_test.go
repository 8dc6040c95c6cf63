package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

// TestServeMissingSecret: serve without a variable it needs exits 2 with
// one line naming it, and listens on nothing.
func TestServeMissingSecret(t *testing.T) {
	t.Parallel()
	repo := goldenRepo(t, nil, nil)
	for _, c := range []struct {
		env  []string
		want string
	}{
		{nil, "GITHUB_APP_ID"},
		{[]string{"GITHUB_APP_ID=4242"}, "GITHUB_APP_PRIVATE_KEY_FILE"},
		{[]string{"GITHUB_APP_ID=4242", "GITHUB_APP_PRIVATE_KEY_FILE=/nonexistent/app.pem"}, "GITHUB_WEBHOOK_SECRET"},
		{[]string{"GITHUB_APP_ID=4242", "GITHUB_APP_PRIVATE_KEY_FILE=/nonexistent/app.pem", "GITHUB_WEBHOOK_SECRET=whsec-x"}, "GITHUB_APP_PRIVATE_KEY_FILE"},
	} {
		r := *repo
		r.Env = append(append([]string(nil), repo.Env...), c.env...)
		res := runBin(t, &r, "serve")
		lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
		if res.code != exitBadUse || len(lines) != 1 || !strings.Contains(lines[0], c.want) {
			t.Errorf("serve with %v: exit %d, stderr %q; want exit 2 and one line naming %s", c.env, res.code, res.stderr, c.want)
		}
	}
}

// TestServeRunsUntilSIGTERM: serve listens on --addr, answers
// /health and a signed ping, refuses an unsigned webhook, logs JSON lines
// without its secrets, and exits 0 after SIGTERM.
func TestServeRunsUntilSIGTERM(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "whsec-serve-binary-5ecret"
	// --addr, as the server image's CMD passes it, wins over RELEASEBOT_ADDR.
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "XDG_STATE_HOME=" + t.TempDir(),
		"GITHUB_APP_ID=4242", "GITHUB_APP_PRIVATE_KEY_FILE=" + keyFile, "GITHUB_WEBHOOK_SECRET=" + secret,
		"GITHUB_API_URL=http://127.0.0.1:1/api/v3", "RELEASEBOT_ADDR=not-an-address",
	}
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var log bytes.Buffer // written by the reader until it ends
	addrc := make(chan string, 1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		lines := bufio.NewScanner(pr)
		for lines.Scan() {
			log.WriteString(lines.Text() + "\n")
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(lines.Bytes(), &rec) == nil && rec.Msg == "serving" {
				addrc <- rec.Addr
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case <-time.After(20 * time.Second):
		t.Fatal("serve printed no serving line")
	}
	base := "http://" + addr

	resp, err := http.Get(base + "/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != `{"status":"ok"}` {
		t.Errorf("/health: %d %s", resp.StatusCode, body)
	}
	d, err := githubemu.Deliver(t.Context(), nil, base+"/github/webhook", secret, "ping", []byte(`{"zen":"Non-blocking is better than blocking."}`))
	if err != nil || d.Status != http.StatusOK {
		t.Errorf("a signed ping: %d %v", d.Status, err)
	}
	d, err = githubemu.Deliver(t.Context(), nil, base+"/github/webhook", "", "ping", []byte(`{}`))
	if err != nil || d.Status != http.StatusUnauthorized {
		t.Errorf("an unsigned ping: %d %v", d.Status, err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit after SIGTERM")
	}
	pw.Close()
	<-readDone
	out := log.String()
	for _, want := range []string{`"route":"/health"`, `"status":401`, `"msg":"shut down"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) || strings.Contains(out, "PRIVATE KEY") {
		t.Errorf("the log holds a secret:\n%s", out)
	}
}

package actiontest

import (
	"bytes"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/releasebot/releasebot/chatops"
)

// githubManifest is GitHub's App manifest schema ("Registering a GitHub App
// from a manifest"): KnownFields makes any other key a failure.
type githubManifest struct {
	Name           string `yaml:"name"`
	URL            string `yaml:"url"`
	Description    string `yaml:"description"`
	Public         bool   `yaml:"public"`
	HookAttributes struct {
		URL    string `yaml:"url"`
		Active bool   `yaml:"active"`
	} `yaml:"hook_attributes"`
	RedirectURL        string            `yaml:"redirect_url"`
	CallbackURLs       []string          `yaml:"callback_urls"`
	SetupURL           string            `yaml:"setup_url"`
	SetupOnUpdate      bool              `yaml:"setup_on_update"`
	RequestOAuth       bool              `yaml:"request_oauth_on_install"`
	DefaultEvents      []string          `yaml:"default_events"`
	DefaultPermissions map[string]string `yaml:"default_permissions"`
}

// slackManifest is the part of Slack's app manifest schema releasebot uses.
type slackManifest struct {
	DisplayInformation struct {
		Name            string `yaml:"name"`
		Description     string `yaml:"description"`
		BackgroundColor string `yaml:"background_color"`
	} `yaml:"display_information"`
	Features struct {
		BotUser struct {
			DisplayName  string `yaml:"display_name"`
			AlwaysOnline bool   `yaml:"always_online"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command      string `yaml:"command"`
			URL          string `yaml:"url"`
			Description  string `yaml:"description"`
			UsageHint    string `yaml:"usage_hint"`
			ShouldEscape bool   `yaml:"should_escape"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		OrgDeployEnabled     bool `yaml:"org_deploy_enabled"`
		SocketModeEnabled    bool `yaml:"socket_mode_enabled"`
		TokenRotationEnabled bool `yaml:"token_rotation_enabled"`
	} `yaml:"settings"`
}

func decodeStrict(t *testing.T, name string, v any) {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readRepoFile(t, name)))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestGitHubAppManifest pins app.yml to DESIGN §2 and §3: the webhook at
// /github/webhook, the events the server handles, and the permissions the
// modes use, no more.
func TestGitHubAppManifest(t *testing.T) {
	var m githubManifest
	decodeStrict(t, "app.yml", &m)
	if m.Name == "" || !strings.HasSuffix(m.HookAttributes.URL, "/github/webhook") || !m.HookAttributes.Active || !strings.HasPrefix(m.HookAttributes.URL, "https://") {
		t.Errorf("name %q, hook %+v", m.Name, m.HookAttributes)
	}
	events := slices.Clone(m.DefaultEvents)
	sort.Strings(events)
	if got := strings.Join(events, " "); got != "issue_comment pull_request push" {
		t.Errorf("events %q", got)
	}
	want := map[string]string{
		"contents": "write", "pull_requests": "write", "issues": "write",
		"checks": "read", "statuses": "read", "metadata": "read", "actions": "write",
	}
	if len(m.DefaultPermissions) != len(want) {
		t.Errorf("permissions %v, want %v", m.DefaultPermissions, want)
	}
	for k, v := range want {
		if m.DefaultPermissions[k] != v {
			t.Errorf("permission %s: %q, want %q", k, m.DefaultPermissions[k], v)
		}
	}
}

// TestSlackAppManifest pins slack-app.yml: one slash command per runbook
// command and /release, all at /slack/commands; interactivity at
// /slack/interactions; the bot scopes the server uses.
func TestSlackAppManifest(t *testing.T) {
	var m slackManifest
	decodeStrict(t, "slack-app.yml", &m)
	var commands []string
	for _, c := range m.Features.SlashCommands {
		commands = append(commands, c.Command)
		if !strings.HasSuffix(c.URL, "/slack/commands") || !strings.HasPrefix(c.URL, "https://") || c.Description == "" {
			t.Errorf("%s: url %q, description %q", c.Command, c.URL, c.Description)
		}
		if c.Command != "/release" {
			if pr := chatops.Parse(c.Command); pr.Error != "" && strings.Contains(pr.Error, "unknown command") {
				t.Errorf("%s is no releasebot command: %s", c.Command, pr.Error)
			}
		}
		if len(c.Description) > 100 || len(c.UsageHint) > 100 {
			t.Errorf("%s: Slack allows 100 characters of description and usage hint", c.Command)
		}
	}
	if got := strings.Join(commands, " "); got != "/canary /rollback /toggle /ab_status /release" {
		t.Errorf("slash commands %q", got)
	}
	if !m.Settings.Interactivity.IsEnabled || !strings.HasSuffix(m.Settings.Interactivity.RequestURL, "/slack/interactions") {
		t.Errorf("interactivity %+v", m.Settings.Interactivity)
	}
	scopes := slices.Clone(m.OAuthConfig.Scopes.Bot)
	sort.Strings(scopes)
	if got := strings.Join(scopes, " "); got != "chat:write commands usergroups:read users:read" {
		t.Errorf("bot scopes %q", got)
	}
	if m.Settings.SocketModeEnabled {
		t.Error("socket mode is on; the server takes HTTP requests")
	}
}

package server

import (
	"cmp"
	"strings"

	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/repository"
)

// DefaultAddr is where the server listens when RELEASEBOT_ADDR is not set.
const DefaultAddr = ":8080"

// EnvHelp lists the variables ConfigFromEnv reads, for `releasebot serve
// --help` and the README.
const EnvHelp = `  GITHUB_APP_ID                 the GitHub App's numeric id (required)
  GITHUB_APP_PRIVATE_KEY        its private key, PEM (or:)
  GITHUB_APP_PRIVATE_KEY_FILE   a file holding it (one of the two is required)
  GITHUB_WEBHOOK_SECRET         the App's webhook secret (required)
  GITHUB_API_URL                the API root for GitHub Enterprise (default https://api.github.com)
  SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, RELEASEBOT_REPOSITORY
                                Slack commands: all three or none; RELEASEBOT_REPOSITORY
                                is the owner/name Slack commands act on
  SENTRY_AUTH_TOKEN, SENTRY_ORG, SENTRY_PROJECT, SENTRY_URL
                                the canary gates' Sentry (optional)
  SENTRY_DSN                    where the bot's own errors and panics go (optional),
                                with the bot's version as the release
  SLACK_API_URL                 Slack's Web API root (default https://slack.com/api)
  RELEASEBOT_ADDR               the address to listen on (default :8080)`

// Config is what the server reads from its environment. Its String never
// shows a secret.
type Config struct {
	// Addr is the listen address (RELEASEBOT_ADDR, default DefaultAddr).
	Addr string
	// APIURL is GITHUB_API_URL ("" for GitHub.com).
	APIURL string
	// App holds the App's id and private key (no installation: each
	// webhook names its own).
	App ghstore.Credentials
	// WebhookSecret verifies X-Hub-Signature-256.
	WebhookSecret string
	// Slack: the signing secret, the bot token and the repository slash
	// commands act on; all set or all empty.
	SlackSigningSecret, SlackBotToken, Repository string
	// Getenv gives the canary gates their settings (SENTRY_AUTH_TOKEN,
	// SENTRY_ORG, SENTRY_PROJECT, SENTRY_URL).
	Getenv func(string) string
	// SentryDSN is where the bot's own errors go (SENTRY_DSN; "" for
	// nowhere but the log).
	SentryDSN string
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	return "releasebot serve on " + c.Addr + " as " + c.App.String()
}

// GoString is String, so %#v does not print a secret either.
func (c Config) GoString() string { return c.String() }

// ConfigFromEnv reads the server's configuration (EnvHelp). The server never
// runs unauthenticated: a missing GITHUB_APP_ID, App private key or
// GITHUB_WEBHOOK_SECRET is a failure.BadInput naming the variable to set.
// GITHUB_TOKEN is ignored: the server acts as the App's installations. The
// Slack variables are checked only as a set: SLACK_SIGNING_SECRET,
// SLACK_BOT_TOKEN and RELEASEBOT_REPOSITORY are all set (Slack commands are
// served) or all unset (they are not), and RELEASEBOT_REPOSITORY is
// owner/name.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	if get("GITHUB_APP_ID") == "" {
		return Config{}, failure.New(failure.BadInput, "GITHUB_APP_ID is not set; set it to the GitHub App's numeric id (the App's settings page shows it)")
	}
	// The App's credentials are parsed where the Action and the CLI parse
	// them; a GITHUB_TOKEN in the environment must not win over them.
	app, err := repository.CredentialsFromEnv(func(k string) string {
		if k == "GITHUB_TOKEN" {
			return ""
		}
		return getenv(k)
	})
	if err != nil {
		return Config{}, err
	}
	secret := getenv("GITHUB_WEBHOOK_SECRET")
	if secret == "" {
		return Config{}, failure.New(failure.BadInput, "GITHUB_WEBHOOK_SECRET is not set; set it to the GitHub App's webhook secret: releasebot does not serve unsigned webhooks")
	}
	c := Config{
		Addr:               cmp.Or(get("RELEASEBOT_ADDR"), DefaultAddr),
		APIURL:             get("GITHUB_API_URL"),
		App:                app,
		WebhookSecret:      secret,
		SlackSigningSecret: getenv("SLACK_SIGNING_SECRET"),
		SlackBotToken:      getenv("SLACK_BOT_TOKEN"),
		Repository:         get("RELEASEBOT_REPOSITORY"),
		Getenv:             getenv,
		SentryDSN:          get("SENTRY_DSN"),
	}
	slack := map[string]string{
		"SLACK_SIGNING_SECRET":  c.SlackSigningSecret,
		"SLACK_BOT_TOKEN":       c.SlackBotToken,
		"RELEASEBOT_REPOSITORY": c.Repository,
	}
	var set, unset []string
	for _, k := range []string{"SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "RELEASEBOT_REPOSITORY"} {
		if slack[k] == "" {
			unset = append(unset, k)
		} else {
			set = append(set, k)
		}
	}
	if len(set) > 0 && len(unset) > 0 {
		return Config{}, failure.New(failure.BadInput, "%s is set but %s is not; Slack commands need SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN and RELEASEBOT_REPOSITORY together (or none of them)",
			strings.Join(set, " and "), strings.Join(unset, " and "))
	}
	if c.Repository != "" && !repository.ValidRepoName(c.Repository) {
		return Config{}, failure.New(failure.BadInput, "RELEASEBOT_REPOSITORY is %q; give the repository Slack commands act on as OWNER/NAME, e.g. acme/web", c.Repository)
	}
	return c, nil
}

// SlackEnabled reports whether the Slack variables are set.
func (c Config) SlackEnabled() bool { return c.SlackSigningSecret != "" }

package repository

import (
	"context"
	"strconv"
	"sync"

	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
)

// CredentialsFromEnv reads GITHUB_TOKEN, else the App's GITHUB_APP_ID with
// GITHUB_APP_PRIVATE_KEY or GITHUB_APP_PRIVATE_KEY_FILE. It returns a
// BadInput failure naming the variable to set; never a secret.
func CredentialsFromEnv(getenv func(string) string) (ghstore.Credentials, error) {
	if t := getenv("GITHUB_TOKEN"); t != "" {
		return ghstore.Credentials{Token: t}, nil
	}
	if id := getenv("GITHUB_APP_ID"); id != "" {
		appID, err := strconv.ParseInt(id, 10, 64)
		if err != nil || appID <= 0 {
			return ghstore.Credentials{}, failure.New(failure.BadInput, "GITHUB_APP_ID must be the App's numeric id, got %q", id)
		}
		c := ghstore.Credentials{AppID: appID, PrivateKey: []byte(getenv("GITHUB_APP_PRIVATE_KEY")), PrivateKeyFile: getenv("GITHUB_APP_PRIVATE_KEY_FILE")}
		if len(c.PrivateKey) == 0 && c.PrivateKeyFile == "" {
			return ghstore.Credentials{}, failure.New(failure.BadInput, "GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY nor GITHUB_APP_PRIVATE_KEY_FILE is")
		}
		return c, nil
	}
	return ghstore.Credentials{}, failure.New(failure.BadInput, "no GitHub credentials: set GITHUB_TOKEN, or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY_FILE")
}

// ClientCreator hands out GitHub clients, as go-githubapp's ClientCreator
// does: with a token, one client for every repository; with the App's
// credentials, one client per installation, cached by installation id, so
// that an installation token is minted once and reused (ghinstallation
// refreshes it) however many commands or webhooks come for that
// installation. It is safe for concurrent use.
type ClientCreator struct {
	opts ghstore.ClientOptions

	mu      sync.Mutex
	clients map[int64]*ghstore.Client // by installation id; 0 for the token client
	repos   map[string]int64          // installation id of each repository looked up
	// flags is shared by the stores OpenGitHub opens with this creator: a
	// command trusts the flag file of the commit an earlier one made.
	flags ghstore.FlagMemory
	// locks serialises the commands of this process on each flag branch.
	locks ghstore.BranchLocks
}

// NewClientCreator returns a ClientCreator for opts (base URL, transport,
// retries and credentials: a token, or an App id and private key; any
// InstallationID in opts is ignored).
func NewClientCreator(opts ghstore.ClientOptions) *ClientCreator {
	opts.Credentials.InstallationID = 0
	return &ClientCreator{opts: opts, clients: map[int64]*ghstore.Client{}, repos: map[string]int64{}}
}

// IsApp reports whether the creator holds an App's credentials rather than
// a token.
func (c *ClientCreator) IsApp() bool {
	return c.opts.Credentials.Token == "" && c.opts.Credentials.AppID != 0
}

// Installation returns the client of the App's installation id, building it
// on first use. Errors are BadInput (a key that does not load, or a
// creator holding a token rather than an App).
func (c *ClientCreator) Installation(id int64) (*ghstore.Client, error) {
	if !c.IsApp() {
		return nil, failure.New(failure.BadInput, "installation clients need the GitHub App's credentials (GITHUB_APP_ID and its private key)")
	}
	return c.client(id)
}

// ForRepo returns the client for repo ("owner/name"): the token client, or
// the client of the App's installation on repo, which it looks up once per
// repository (GET /repos/{owner}/{repo}/installation). A failed lookup is
// Remote; credentials that do not load are BadInput.
func (c *ClientCreator) ForRepo(ctx context.Context, repo string) (*ghstore.Client, error) {
	if !c.IsApp() {
		return c.client(0)
	}
	c.mu.Lock()
	id, ok := c.repos[repo]
	c.mu.Unlock()
	if !ok {
		var err error
		if id, err = ghstore.FindInstallation(ctx, c.opts, repo); err != nil {
			return nil, failure.Wrap(failure.Remote, err, "%v", err)
		}
		c.mu.Lock()
		c.repos[repo] = id
		c.mu.Unlock()
	}
	return c.client(id)
}

// client returns the cached client for installation id (0: the token
// client), building it under the lock: NewClient makes no request, so the
// lock is held only briefly, and two callers never build two transports.
func (c *ClientCreator) client(id int64) (*ghstore.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[id]; ok {
		return cl, nil
	}
	opts := c.opts
	opts.Credentials.InstallationID = id
	cl, err := ghstore.NewClient(opts)
	if err != nil {
		return nil, failure.Wrap(failure.BadInput, err, "%v", err)
	}
	c.clients[id] = cl
	return cl, nil
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/chatops/flags"
	"github.com/releasebot/releasebot/config"
	"github.com/releasebot/releasebot/internal/failure"
	"github.com/releasebot/releasebot/internal/limits"
	"github.com/releasebot/releasebot/internal/repofile"
)

func newFlagsCommand(e *env, g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "flags",
		Short: "Read, render and evaluate the flag file (.release/flags.yaml) of the work tree",
	}
	var envName, format, user string
	var asJSON bool

	load := func() (*config.Config, *flags.File, error) {
		cfg, err := config.Load(g.repo, g.config)
		if err != nil {
			return nil, nil, failure.Wrap(failure.BadInput, err, "%v", err)
		}
		data, err := repofile.Read(g.repo, cfg.FlagsFile, "the flag file", limits.RepoFile)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, failure.Wrap(failure.BadInput, err, "there is no flag file %s in %s; create it (see the README) or set flags_file in %s", cfg.FlagsFile, g.repo, config.DefaultPath)
		}
		if err != nil {
			return nil, nil, failure.Wrap(failure.BadInput, err, "%v", err)
		}
		f, err := flags.Parse(cfg.FlagsFile, data)
		if err != nil {
			return nil, nil, failure.Wrap(failure.BadInput, err, "%v", err)
		}
		if err := chatops.CheckEnvironments(f, cfg); err != nil {
			return nil, nil, failure.Wrap(failure.BadInput, err, "%v", err)
		}
		if err := cfg.CheckDefaultEnvironment(f.EnvNames()); err != nil {
			return nil, nil, failure.Wrap(failure.BadInput, err, "%v", err)
		}
		return cfg, f, nil
	}
	envOf := func(cfg *config.Config, f *flags.File) (*flags.Environment, error) {
		name := envName
		if name == "" {
			name = cfg.DefaultEnvironment
		}
		t, err := chatops.Resolve(f, &chatops.Command{Name: chatops.ABStatus, Env: name}, cfg.DefaultEnvironment)
		if err != nil {
			return nil, failure.Wrap(failure.BadInput, err, "%v", err)
		}
		return f.Env(t.Env), nil
	}

	show := &cobra.Command{
		Use:   "show [--env prod]",
		Short: "Print each flag's state, canary marking and override (every environment, or one)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, f, err := load()
			if err != nil {
				return err
			}
			envs := f.Environments
			if envName != "" {
				one, err := envOf(cfg, f)
				if err != nil {
					return err
				}
				envs = []*flags.Environment{one}
			}
			for i, en := range envs {
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				fmt.Fprint(e.stdout, chatops.ABStatusText(en, "", nil))
			}
			return nil
		},
	}
	show.Flags().StringVar(&envName, "env", "", "one environment (default: all)")

	render := &cobra.Command{
		Use:   "render --env prod --format dotenv|flagd|json",
		Short: "Print an environment's flags as dotenv, flagd flag definitions, or JSON",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			cfg, f, err := load()
			if err != nil {
				return err
			}
			en, err := envOf(cfg, f)
			if err != nil {
				return err
			}
			out, err := flags.Render(f, en.Name, format, cfg.FlagsFile)
			if err != nil {
				return failure.Wrap(failure.BadInput, err, "%v", err)
			}
			_, err = e.stdout.Write(out)
			return err
		},
	}
	render.Flags().StringVar(&envName, "env", "", "environment (default: the configured default environment)")
	render.Flags().StringVar(&format, "format", "dotenv", "dotenv, flagd or json")

	eval := &cobra.Command{
		Use:   "eval --env prod --user ID [--json]",
		Short: "Evaluate every flag for one user, as the deploy and flagd would",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if user == "" {
				return failure.New(failure.BadInput, "flags eval needs --user ID, e.g. releasebot flags eval --env prod --user 42")
			}
			cfg, f, err := load()
			if err != nil {
				return err
			}
			en, err := envOf(cfg, f)
			if err != nil {
				return err
			}
			evals := en.Eval(user)
			if asJSON {
				m := make(map[string]bool, len(evals))
				for _, ev := range evals {
					m[ev.Flag] = ev.Value
				}
				enc := json.NewEncoder(e.stdout)
				return enc.Encode(m)
			}
			bucket := flags.Bucket(en.CohortSeed(), user)
			fmt.Fprintf(e.stdout, "%s, user %s: bucket %d of 100, canary %d%% → %s the cohort\n", en.Name, user, bucket, en.CanaryPercent, map[bool]string{true: "in", false: "not in"}[en.InCohort(user)])
			for _, ev := range evals {
				fmt.Fprintf(e.stdout, "%-24s %-3s (%s)\n", ev.Flag, map[bool]string{true: "on", false: "off"}[ev.Value], ev.Reason)
			}
			return nil
		},
	}
	eval.Flags().StringVar(&envName, "env", "", "environment (default: the configured default environment)")
	eval.Flags().StringVar(&user, "user", "", "the user's id (the targeting key)")
	eval.Flags().BoolVar(&asJSON, "json", false, `print {"FLAG": true, …}`)

	root.AddCommand(show, render, eval)
	return root
}

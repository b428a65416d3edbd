// Command weft is Weft's one binary.
//
//	weft dev       one broker, its gateway and (later) the monitor in one process
//	weft broker    one broker of a cluster
//	weft gateway   a standalone gateway in front of a cluster
//	weft bench     measures one-task instances end to end through a gateway
//	weft version   prints the version
//
// Every flag can also be set with a WEFT_* environment variable: --data-dir is
// WEFT_DATA_DIR, --gateway-addr is WEFT_GATEWAY_ADDR, and so on. A flag given on the
// command line wins over the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "8.3.0-weft-dev"

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "weft:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errors.New("no command given")
	}
	switch args[0] {
	case "dev":
		cfg, err := parseDevFlags(args[1:], os.LookupEnv, stderr)
		if err != nil {
			return err
		}
		return serve(stderr, cfg.logLevel, func(ctx context.Context, log *slog.Logger) error { return runDev(ctx, cfg, log) })
	case "broker":
		cfg, err := parseBrokerFlags(args[1:], os.LookupEnv, stderr)
		if err != nil {
			return err
		}
		return serve(stderr, cfg.logLevel, func(ctx context.Context, log *slog.Logger) error { return runBroker(ctx, cfg, log) })
	case "gateway":
		cfg, err := parseGatewayFlags(args[1:], os.LookupEnv, stderr)
		if err != nil {
			return err
		}
		return serve(stderr, cfg.logLevel, func(ctx context.Context, log *slog.Logger) error { return runGateway(ctx, cfg, log) })
	case "monitor":
		cfg, err := parseMonitorFlags(args[1:], os.LookupEnv, stderr)
		if err != nil {
			return err
		}
		return serve(stderr, cfg.logLevel, func(ctx context.Context, log *slog.Logger) error { return runMonitor(ctx, cfg, log) })
	case "admin":
		return runAdmin(context.Background(), args[1:], stdout, stderr)
	case "bench":
		cfg, err := parseBenchFlags(args[1:], os.LookupEnv, stderr)
		if err != nil {
			return err
		}
		return serve(stderr, slog.LevelWarn, func(ctx context.Context, log *slog.Logger) error { return runBench(ctx, cfg, stdout, log) })
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "weft %s (gateway protocol of Zeebe 8.3)\n", version)
		return nil
	case "help", "--help", "-h":
		usage(stdout)
		return nil
	default:
		usage(stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: weft COMMAND [flags]

Commands:
  dev       run a broker with its gateway in one process (data in --data-dir)
  broker    run one broker of a cluster (replicated partitions; optional embedded gateway)
  gateway   run a standalone gateway that joins a cluster's gossip
  monitor   run the monitor web app on a read model (--postgres-url or --sqlite-path) and a gateway
  admin     show the partitions of a broker or of weft dev (role, term, indexes, checksum)
  bench     measure one-task instances end to end through a gateway
  version   print the version

Run 'weft dev --help' or 'weft bench --help' for their flags.
`)
}

// parseFlags parses a command's flags, refuses stray arguments, and fills the flags not
// given: first from their WEFT_* variables, then from the YAML file named by --config (or
// WEFT_CONFIG), whose keys are the flag names. Defaults come last.
func parseFlags(fs *flag.FlagSet, args []string, lookup func(string) (string, bool)) error {
	config := fs.String("config", "", "YAML file with settings (keys are the flag names); flags and WEFT_* variables win over it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if err := envFlags(fs, lookup); err != nil {
		return err
	}
	fs.VisitAll(func(f *flag.Flag) {
		if _, ok := lookup(envName(f.Name)); ok {
			given[f.Name] = true
		}
	})
	if *config == "" {
		return nil
	}
	return fileFlags(fs, *config, given)
}

// fileFlags sets the flags not given from the YAML file at path. An unknown key, or a
// value a flag refuses, stops start-up with a message that names it.
func fileFlags(fs *flag.FlagSet, path string, given map[string]bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	var settings map[string]any
	if err := yaml.Unmarshal(b, &settings); err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		f := fs.Lookup(k)
		if f == nil || k == "config" {
			errs = append(errs, fmt.Errorf("--config %s: unknown setting %q for %s", path, k, fs.Name()))
			continue
		}
		if given[k] {
			continue
		}
		v := settings[k]
		if lf, ok := f.Value.(listFlag); ok {
			items, isList := v.([]any)
			if !isList {
				items = []any{v}
			}
			if err := lf.SetList(items); err != nil {
				errs = append(errs, fmt.Errorf("--config %s: setting %q: %w", path, k, err))
			}
			continue
		}
		if list, ok := v.([]any); ok {
			parts := make([]string, len(list))
			for i, x := range list {
				parts[i] = fmt.Sprint(x)
			}
			v = strings.Join(parts, ",")
		}
		if err := f.Value.Set(fmt.Sprint(v)); err != nil {
			errs = append(errs, fmt.Errorf("--config %s: setting %q = %v: %w", path, k, v, err))
		}
	}
	return errors.Join(errs...)
}

// listFlag is a flag that a config file may give a list of values (maps among them).
type listFlag interface {
	SetList(items []any) error
}

// serve runs a long-lived command until SIGINT or SIGTERM, logging at level.
func serve(stderr io.Writer, level slog.Level, fn func(context.Context, *slog.Logger) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return fn(ctx, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
}

// envFlags fills every flag of fs that was not given on the command line from its
// WEFT_* environment variable (--data-dir -> WEFT_DATA_DIR). A bad value names both.
func envFlags(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := envName(f.Name)
		if v, ok := lookup(name); ok {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("environment variable %s=%q (flag --%s): %w", name, v, f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}

// envName is the environment variable of a flag: --data-dir is WEFT_DATA_DIR.
func envName(flag string) string {
	return "WEFT_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

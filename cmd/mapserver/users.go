package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"partymap/internal/geo"
)

// runUser manages staff accounts: add, passwd, disable, enable, list.
// Passwords are read from the terminal without echo, or from the first line
// of standard input with -password-stdin (for scripts); never from an
// argument, so they stay out of shell history and process lists.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsage)
		return errors.New("user needs a subcommand: add, passwd, disable, enable or list")
	}
	sub, args := args[0], args[1:]
	var cfg Config
	fs := newFlagSet("user "+sub, &cfg, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, userUsage); fs.PrintDefaults() }
	role := fs.String("role", "editor", "add: editor or admin")
	communities := fs.String("communities", "", "add: comma-separated community codes the account is limited to (empty: the whole city); an admin limited so is a community admin")
	grids := fs.String("grids", "", "add: comma-separated grid codes an editor is limited to (empty: all grids of its communities)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args); err != nil {
		return err
	}
	needName := sub != "list"
	if needName && fs.NArg() != 1 || !needName && fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("user %s: got %d arguments; want %s", sub, fs.NArg(), map[bool]string{true: "the user name", false: "none"}[needName])
	}
	switch sub {
	case "add", "passwd", "disable", "enable", "list":
	default:
		fs.Usage()
		return fmt.Errorf("unknown user subcommand %q; want add, passwd, disable, enable or list", sub)
	}
	var password string
	if sub == "add" || sub == "passwd" {
		pw, err := readPassword(stdin, stderr, *fromStdin)
		if err != nil {
			return err
		}
		password = pw
	}
	d, err := openDatabase(ctx, cfg, geo.NewCatalogue(), cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer d.close()
	name := fs.Arg(0)
	switch sub {
	case "add":
		r, err := geo.ParseRole(*role)
		if err != nil {
			return err
		}
		scope := geo.Scope{Communities: splitCodes(*communities), Grids: splitCodes(*grids)}
		u, err := d.db.CreateUser(ctx, name, r, scope, password)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s added (%s%s%s)\n", u.Name, u.Role, scopeNote("communities", u.Communities), scopeNote("grids", u.Grids))
	case "passwd":
		if err := d.db.SetPassword(ctx, name, password); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; the user's sessions were ended\n", name)
	case "disable", "enable":
		if err := d.db.SetDisabled(ctx, name, sub == "disable"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s %sd\n", name, sub)
	case "list":
		us, err := d.db.Users(ctx)
		if err != nil {
			return err
		}
		policy := geo.DefaultLoginPolicy()
		failures, err := d.db.LoginFailures(ctx, policy.Window)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tCOMMUNITIES\tGRIDS\tSTATE\tLAST LOGIN\tFAILED LOGINS")
		for _, u := range us {
			state, last := "active", "never"
			if u.Disabled {
				state = "disabled"
			}
			if u.LastLoginAt != nil {
				last = u.LastLoginAt.Local().Format("2006-01-02 15:04")
			}
			c := strings.Join(u.Communities, ",")
			if c == "" {
				c = "all"
			}
			g := strings.Join(u.Grids, ",")
			if g == "" {
				g = "all"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, c, g, state, last, failureNote(failures[u.Name], policy))
		}
		return tw.Flush()
	}
	return nil
}

// failureNote shows an administrator the failed logins of a name within
// the policy's window and whether they slow it down now.
func failureNote(f geo.Failures, p geo.LoginPolicy) string {
	if f.Count == 0 {
		return "none"
	}
	note := fmt.Sprintf("%d, last %s", f.Count, f.Last.Local().Format("15:04:05"))
	if f.Count >= p.NameSlowAfter {
		note += " (slowed down except from known addresses)"
	}
	return note
}

// scopeNote names a part of an account's scope: ", grids XY07, XY08".
func scopeNote(what string, codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	return ", " + what + " " + strings.Join(codes, ", ")
}

// splitCodes reads a comma-separated list of codes.
func splitCodes(s string) []string {
	var codes []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			codes = append(codes, c)
		}
	}
	return codes
}

const userUsage = `usage:
  mapserver user add [-role editor|admin] [-communities XY,HS] [-grids XY01,XY02] [-password-stdin] NAME
  mapserver user passwd [-password-stdin] NAME
  mapserver user disable NAME     (ends its sessions; its tokens stop working)
  mapserver user enable NAME
  mapserver user list

The password is asked for on the terminal (not echoed), or read from the
first line of standard input with -password-stdin. Create the first admin
with: mapserver user add -role admin NAME

`

// readPassword reads a new password: from the terminal without echo (asked
// twice), or the first line of stdin when fromStdin is set.
func readPassword(stdin io.Reader, stderr io.Writer, fromStdin bool) (string, error) {
	if fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", err
		}
		pw := strings.TrimRight(line, "\r\n")
		return pw, geo.CheckPassword(pw)
	}
	f, ok := stdin.(*os.File)
	if !ok || !isTerminal(f) {
		return "", errors.New("standard input is not a terminal: pass -password-stdin and write the password on standard input")
	}
	fmt.Fprint(stderr, "New password: ")
	pw, err := readHidden(f)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if err := geo.CheckPassword(pw); err != nil {
		return "", err
	}
	fmt.Fprint(stderr, "Repeat it: ")
	again, err := readHidden(f)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return pw, nil
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// readHidden reads a line from the terminal with echo turned off.
func readHidden(f *os.File) (string, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return "", err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", err
	}
	defer func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }()
	var b []byte
	one := make([]byte, 1)
	for {
		n, err := f.Read(one)
		if n == 1 {
			if one[0] == '\n' || one[0] == '\r' {
				break
			}
			b = append(b, one[0])
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", err
		}
	}
	return string(b), nil
}

// runToken manages personal API tokens: add (shown once), revoke, list.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return errors.New("token needs a subcommand: add, revoke or list")
	}
	sub, args := args[0], args[1:]
	var cfg Config
	fs := newFlagSet("token "+sub, &cfg, stderr)
	fs.Usage = func() { fmt.Fprint(stderr, tokenUsage); fs.PrintDefaults() }
	user := fs.String("user", "", "add: the user the token acts as (required); list: only this user's tokens")
	expires := fs.Duration("expires", 0, "add: how long the token works, e.g. 2160h for 90 days (0: until revoked)")
	unconditional := fs.Bool("unconditional", false, "add: the token writes without If-Match, for editing clients that cannot send it (QGIS); each write is still a new version, and what it undoes of others' changes is noted in the history and the audit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch sub {
	case "add":
		if *user == "" || fs.NArg() != 1 {
			fs.Usage()
			return errors.New("token add needs -user NAME and one argument naming what the token is for (e.g. qgis)")
		}
	case "revoke":
		if fs.NArg() != 1 {
			fs.Usage()
			return errors.New("token revoke needs the token's id (see mapserver token list)")
		}
	case "list":
	default:
		fs.Usage()
		return fmt.Errorf("unknown token subcommand %q; want add, revoke or list", sub)
	}
	d, err := openDatabase(ctx, cfg, geo.NewCatalogue(), cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer d.close()
	switch sub {
	case "add":
		var until *time.Time
		if *expires > 0 {
			t := time.Now().Add(*expires)
			until = &t
		}
		token, t, err := d.db.CreateToken(ctx, *user, fs.Arg(0), until)
		if err != nil {
			return err
		}
		kind := "token"
		if *unconditional {
			if err := d.db.MakeUnconditional(ctx, t.ID); err != nil {
				return err
			}
			kind = "unconditional token (writes without If-Match)"
		}
		fmt.Fprintf(stderr, "%s %d (%q) for %s made; it is shown only now, so keep it somewhere safe:\n", kind, t.ID, t.Name, t.User)
		fmt.Fprintln(stdout, token)
	case "revoke":
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("the token id must be a number; got %q", fs.Arg(0))
		}
		if err := d.db.RevokeToken(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "token %d revoked\n", id)
	case "list":
		ts, err := d.db.Tokens(ctx, *user)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSER\tNAME\tPREFIX\tCREATED\tLAST USED\tSTATE")
		for _, t := range ts {
			state, last := "active", "never"
			switch {
			case t.RevokedAt != nil:
				state = "revoked " + t.RevokedAt.Local().Format("2006-01-02")
			case t.ExpiresAt != nil && t.ExpiresAt.Before(time.Now()):
				state = "expired"
			case t.ExpiresAt != nil:
				state = "until " + t.ExpiresAt.Local().Format("2006-01-02")
			}
			if t.LastUsedAt != nil {
				last = t.LastUsedAt.Local().Format("2006-01-02 15:04")
			}
			if t.Unconditional {
				state += ", unconditional"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.User, t.Name, t.Prefix, t.CreatedAt.Local().Format("2006-01-02"), last, state)
		}
		return tw.Flush()
	}
	return nil
}

const tokenUsage = `usage:
  mapserver token add -user NAME [-expires 2160h] [-unconditional] LABEL   print a new token (once)
  mapserver token revoke ID
  mapserver token list [-user NAME]

A token is sent as "Authorization: Bearer pm_…" by scripts, sensors, QGIS
(an API-header authentication) or GDAL (GDAL_HTTP_HEADERS).

QGIS edits OGC API – Features without If-Match: give it a token made with
-unconditional. Its writes apply to the feature as it is, each a new
version (revertable); a value it sends back that a colleague had changed
since is noted as a conflict in the history and the audit.

`

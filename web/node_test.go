package web_test

import (
	"bytes"
	"encoding/json"

	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// node runs Node.js in web/ with args and returns what it printed. The
// tests that need it fail, never skip, when node or web/node_modules is
// missing, saying what to run.
func node(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin, lookErr := exec.LookPath("node")
	if lookErr != nil {
		t.Fatalf("node is missing: install Node.js (scripts/deps.sh test installs it) and run `make web` (%v)", lookErr)
	}
	needNodeModules(t)
	var out, errb bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// importModule imports one of the viewer's modules with node (as an ES
// module, which it is) and decodes the JSON of what the expression expr
// makes of it (m is the module).
func importModule(t *testing.T, module, expr string, v any) {
	t.Helper()
	abs, err := filepath.Abs(filepath.Join("static", "js", module))
	if err != nil {
		t.Fatal(err)
	}
	script := `import(process.argv[1]).then((m) => { process.stdout.write(JSON.stringify(` + expr + `)); })`
	out, errOut, err := node(t, "--experimental-default-type=module", "--input-type=module", "-e", script, "file://"+abs)
	if err != nil {
		t.Fatalf("node could not import %s: %v\n%s", module, err, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: %v in %q", module, err, out)
	}
}

// The one table of the pages' words has every string in both languages,
// with the same placeholders in each.
func TestI18n_everyStringInBothLanguages(t *testing.T) {
	var table map[string][]string
	importModule(t, "i18n.js", `Object.fromEntries(m.KEYS.map((k) => [k, ['zh', 'en'].map((l) => m.createI18n(null, l).t(k))]))`, &table)
	if len(table) < 50 {
		t.Fatalf("the table has %d strings; the import did not read it", len(table))
	}
	han := regexp.MustCompile(`\p{Han}`)
	placeholder := regexp.MustCompile(`\{\w+\}`)
	for key, s := range table {
		zh, en := s[0], s[1]
		if zh == "" || en == "" {
			t.Errorf("%s: zh %q, en %q; want both", key, zh, en)
		}
		// the language button offers the other language in its own words
		if key != "langButton" && key != "langButtonLabel" && han.MatchString(en) {
			t.Errorf("%s: the English %q has Chinese in it", key, en)
		}
		pz, pe := placeholder.FindAllString(zh, -1), placeholder.FindAllString(en, -1)
		slices.Sort(pz)
		slices.Sort(pe)
		if !slices.Equal(pz, pe) {
			t.Errorf("%s: placeholders %v in Chinese, %v in English", key, pz, pe)
		}
	}
}

// Times are written in China Standard Time whatever the device's zone: an
// order made at 07:30 on 3 December in Huayin is of the 3rd, also on a
// visitor's phone set to New York, where it was still the 2nd.
func TestI18n_whenInChinaStandardTime(t *testing.T) {
	var got map[string]string
	importModule(t, "i18n.js", `(() => {
		const zh = m.createI18n(null, 'zh'), en = m.createI18n(null, 'en');
		const at = '2026-12-02T23:30:00Z';
		return { zh: zh.when(at), zhTime: zh.when(at, { time: true }), en: en.when(at), enTime: en.when(at, { time: true }), bad: zh.when('') };
	})()`, &got)
	want := map[string]string{"zh": "12月3日", "zhTime": "12月3日 07:30", "en": "3 Dec", "enTime": "3 Dec, 07:30", "bad": ""}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

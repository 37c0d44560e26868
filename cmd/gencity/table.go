package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
)

// table is one layer's rows in PostgreSQL's COPY text format, ready to
// stream into the database.
type table struct {
	name    string
	columns []string
	rows    int
	buf     bytes.Buffer
}

// newTable starts an empty table with these columns.
func newTable(name string, columns ...string) *table {
	return &table{name: name, columns: columns}
}

// add appends one row; each value is a string, an int, a float64, a
// []string (a text array), an orb.Geometry (SRID 4326) or nil (NULL).
func (t *table) add(values ...any) error {
	if len(values) != len(t.columns) {
		return fmt.Errorf("table %s: got %d values, want %d", t.name, len(values), len(t.columns))
	}
	for i, v := range values {
		if i > 0 {
			t.buf.WriteByte('\t')
		}
		field, err := copyField(v)
		if err != nil {
			return fmt.Errorf("table %s column %s: %w", t.name, t.columns[i], err)
		}
		t.buf.WriteString(field)
	}
	t.buf.WriteByte('\n')
	t.rows++
	return nil
}

// copyStatement is the COPY statement that reads the table.
func (t *table) copyStatement() string {
	return fmt.Sprintf("COPY %s (%s) FROM STDIN", t.name, strings.Join(t.columns, ", "))
}

// copyField writes one value in COPY text format.
func copyField(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return `\N`, nil
	case string:
		return copyEscape(x), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case []string:
		// Array elements here are plain words: no quoting needed.
		return "{" + strings.Join(x, ",") + "}", nil
	case orb.Geometry:
		return ewkb.MarshalToHex(x, 4326)
	}
	return "", fmt.Errorf("cannot write a %T", v)
}

// copyEscape escapes the characters COPY text format gives a meaning.
func copyEscape(s string) string {
	if !strings.ContainsAny(s, "\\\t\n\r") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
	return r.Replace(s)
}

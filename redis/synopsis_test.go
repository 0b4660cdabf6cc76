package redis

import (
	"strings"
	"testing"
)

// render writes args back in synopsis form, as redis-cli prints a usage
// line from COMMAND DOCS.
func render(args []docArg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		var s string
		switch a.typ {
		case "pure-token":
			s = a.token
		case "oneof":
			alts := make([]string, len(a.args))
			for j, alt := range a.args {
				alts[j] = render([]docArg{alt})
			}
			s = strings.Join(alts, "|")
		case "block":
			s = render(a.args)
		default:
			s = a.name
			if a.token != "" {
				s = a.token + " " + s
			}
		}
		if a.multiple {
			s += " [" + s + " ...]"
		}
		if a.optional {
			s = "[" + s + "]"
		}
		parts[i] = s
	}
	return strings.Join(parts, " ")
}

func TestSynopsesParse(t *testing.T) {
	tests := map[string]string{
		"key":                                    "key",
		"key...":                                 "key [key ...]",
		"(key value)...":                         "key value [key value ...]",
		"cursor [MATCH pattern] [COUNT count]":   "cursor [MATCH pattern] [COUNT count]",
		"key [NX|XX] [GET] [EX seconds|KEEPTTL]": "key [NX|XX] [GET] [EX seconds|KEEPTTL]",
		"[protover [AUTH username password]]":    "[protover [AUTH username password]]",
		"(LIB-NAME libname|LIB-VER libver)":      "LIB-NAME libname|LIB-VER libver",
	}
	for in, want := range tests {
		if got := render(parseSynopsis(in)); got != want {
			t.Errorf("parseSynopsis(%q) renders as %q, want %q", in, got, want)
		}
	}
	if a := parseSynopsis("key increment:double"); a[0].typ != "key" || a[1].typ != "double" {
		t.Errorf("types: %+v", a)
	}
	for name, c := range commands {
		if _, ok := synopses[name]; !ok && c.arity != 1 && c.arity != -1 && c.subs == nil {
			t.Errorf("%s takes arguments but has no synopsis", name)
		}
	}
}

func TestCommandDocsDescribeArguments(t *testing.T) {
	_, addr := startServer(t, Config{})
	c := dial(t, addr)
	c.do("HELLO", "3")
	c.send("COMMAND", "DOCS", "set")
	v := c.read()
	got := v.String()
	for _, want := range []string{`"summary"`, `"arguments"`, `"type": "oneof"`, `"token": "PXAT"`, `"flags": ~[+optional]`} {
		if !strings.Contains(got, want) {
			t.Errorf("COMMAND DOCS set lacks %s:\n%s", want, got)
		}
	}
}

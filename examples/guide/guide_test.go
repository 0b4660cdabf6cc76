package guide_test

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGuideSamplesAreCode checks that every Go block of docs/guide.md is
// copied from a Go file of the module, such as this package's examples,
// so that it compiles against the real API and runs with the tests. A
// block may leave code out at a line that reads "// ..." or "..."; each
// run of lines between such gaps must appear in one file, whole and in
// order. Whitespace within lines does not count.
func TestGuideSamplesAreCode(t *testing.T) {
	const guide = "../../docs/guide.md"
	text, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	var sources [][]string
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != "../.." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata"):
			return filepath.SkipDir
		case !d.IsDir() && strings.HasSuffix(path, ".go"):
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources = append(sources, normalize(strings.Split(string(src), "\n")))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	blocks := goBlocks(text)
	if len(blocks) == 0 {
		t.Fatalf("%s has no Go blocks", guide)
	}
	for _, b := range blocks {
		for _, run := range b.runs {
			if !slices.ContainsFunc(sources, func(src []string) bool { return contains(src, run) }) {
				t.Errorf("%s:%d: a Go block has lines found in no .go file of the module:\n%s",
					guide, b.line, strings.Join(run, "\n"))
			}
		}
	}
}

// block is one ```go block: its first line in the file, and its runs of
// lines between elisions, normalized.
type block struct {
	line int
	runs [][]string
}

func goBlocks(text []byte) []block {
	var blocks []block
	var cur *block
	var run []string
	endRun := func() {
		if run = normalize(run); len(run) > 0 {
			cur.runs = append(cur.runs, run)
		}
		run = nil
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```go":
			blocks = append(blocks, block{line: n + 1})
			cur = &blocks[len(blocks)-1]
		case cur == nil:
		case trimmed == "```":
			endRun()
			cur = nil
		case trimmed == "..." || trimmed == "// ...":
			endRun()
		default:
			run = append(run, line)
		}
	}
	return blocks
}

// normalize drops blank lines and reduces every run of spaces to one.
func normalize(lines []string) []string {
	var out []string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, strings.Join(f, " "))
		}
	}
	return out
}

// contains reports whether run appears in src as consecutive lines.
func contains(src, run []string) bool {
	for i := 0; i+len(run) <= len(src); i++ {
		if slices.Equal(src[i:i+len(run)], run) {
			return true
		}
	}
	return false
}

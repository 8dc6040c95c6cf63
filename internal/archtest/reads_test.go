package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// readers are the os calls that open a file by name for reading. OpenFile,
// which the lock file and the step summary use to write, is left to review.
var readers = map[string]bool{"ReadFile": true, "Open": true}

// allowedReads are the production files that may open a file by name: the
// one reader of repository files (repofile), the App's private key (a path
// the operator gives), and the emulators and test helpers.
var allowedReads = []string{
	"internal/repofile/",
	"internal/github/client.go",
	"internal/emulator/",
	"internal/gittest/",
	"internal/golden/",
}

// TestRepositoryFilesAreReadThroughRepofile keeps every read of a file by
// name in the product going through internal/repofile, which refuses links,
// FIFOs and files over the limit: an os.ReadFile of a repository path is how
// a committed symlink leaked a file from outside the repository, and how a
// FIFO hung a command.
func TestRepositoryFilesAreReadThroughRepofile(t *testing.T) {
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		for _, a := range allowedReads {
			if strings.HasPrefix(rel, a) {
				return nil
			}
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		osName := ""
		for _, imp := range f.Imports {
			if imp.Path.Value == `"os"` {
				osName = "os"
				if imp.Name != nil {
					osName = imp.Name.Name
				}
			}
		}
		if osName == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == osName && readers[sel.Sel.Name] {
				t.Errorf("%s: os.%s opens a file by name; read repository files with internal/repofile", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

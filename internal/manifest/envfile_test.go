package manifest

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseEnvFile(t *testing.T) {
	tests := []struct {
		name, text string
		want       [][2]string
		wantErr    string
	}{
		{"plain", "A=1\nB=two words\n", [][2]string{{"A", "1"}, {"B", "two words"}}, ""},
		{"comments and blanks", "# a comment\n\n  \nA=1\n   # indented\n", [][2]string{{"A", "1"}}, ""},
		{"export", "export A=1\nexport  B = 2 \n", [][2]string{{"A", "1"}, {"B", "2"}}, ""},
		{"double quotes", `A="x y"` + "\n" + `B="line\nnext \"q\""`, [][2]string{{"A", "x y"}, {"B", "line\nnext \"q\""}}, ""},
		{"single quotes are literal", `A='$HOME \n'`, [][2]string{{"A", `$HOME \n`}}, ""},
		{"quotes then a comment", `A="v" # note`, [][2]string{{"A", "v"}}, ""},
		{"inline comment", "A=v # note\nB=pa#ss", [][2]string{{"A", "v"}, {"B", "pa#ss"}}, ""},
		{"empty value", "A=\nB=''", [][2]string{{"A", ""}, {"B", ""}}, ""},
		{"equals in value", "URL=http://x/?a=b", [][2]string{{"URL", "http://x/?a=b"}}, ""},
		{"dollar kept", "P=Pa$sw0rd!", [][2]string{{"P", "Pa$sw0rd!"}}, ""},
		{"crlf", "A=1\r\nB=2\r\n", [][2]string{{"A", "1"}, {"B", "2"}}, ""},
		{"bare key passes through", "A\nB=1", [][2]string{{"B", "1"}}, ""},
		{"unclosed quote kept", `A="open`, [][2]string{{"A", `"open`}}, ""},
		{"bad key", "A=1\nNOT A KEY=2\n", nil, "line 2, NOT: no = after the name"},
		{"no =", "A=1\n\nDB_PASSWORD hunter2\n", nil, "line 3, DB_PASSWORD: no = after the name: write DB_PASSWORD=VALUE"},
		{"no name", "A=1\n=hunter2\n", nil, "line 2 is not KEY=VALUE"},
		{"not a name", "hunter2!x\n", nil, "line 1 is not KEY=VALUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEnvFile(tt.text)
			if tt.wantErr != "" {
				var le *EnvLineError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &le) {
					t.Errorf("want an *EnvLineError with %q, got %v", tt.wantErr, err)
				}
				if err != nil && strings.Contains(err.Error(), "hunter2") {
					t.Errorf("the error shows the value: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

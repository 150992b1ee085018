package load

import (
	"bytes"
	"errors"
	"strconv"
)

// stat is what a sample reads of one /proc/<pid>/stat, fields by name
// (numbers of proc(5)).
type stat struct {
	pid    int    // 1
	zombie bool   // 3, state Z or X: its ticks moved to its parent
	pgrp   int    // 5
	ticks  uint64 // 14 utime + 15 stime, in clock ticks
	start  uint64 // 22 starttime, clock ticks after boot: with pid, one process for good
	pages  uint64 // 24 rss, in pages
}

var errStat = errors.New("malformed stat")

// parseStat reads the fields of stat from b, a whole /proc/<pid>/stat.
func parseStat(b []byte) (stat, error) {
	var s stat
	// The command name (field 2) is in parentheses and may hold spaces
	// and parentheses itself: the fields after it follow the last ')'.
	open := bytes.IndexByte(b, '(')
	close := bytes.LastIndexByte(b, ')')
	if open < 1 || close < open || close+2 > len(b) {
		return s, errStat
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return s, errStat
	}
	s.pid = pid
	// field counts from 3, the first after the name.
	field := 3
	rest := b[close+2:]
	var utime uint64
	for len(rest) > 0 && field <= 24 {
		i := bytes.IndexByte(rest, ' ')
		var v []byte
		if i < 0 {
			v, rest = bytes.TrimSpace(rest), nil
		} else {
			v, rest = rest[:i], rest[i+1:]
		}
		switch field {
		case 3:
			s.zombie = len(v) > 0 && (v[0] == 'Z' || v[0] == 'X')
		case 5:
			n, err := strconv.Atoi(string(v))
			if err != nil {
				return s, errStat
			}
			s.pgrp = n
		case 14:
			utime, err = parseUint(v)
		case 15:
			var stime uint64
			stime, err = parseUint(v)
			s.ticks = utime + stime
		case 22:
			s.start, err = parseUint(v)
		case 24:
			s.pages, err = parseUint(v)
		}
		if err != nil {
			return s, errStat
		}
		field++
	}
	if field <= 24 {
		return s, errStat
	}
	return s, nil
}

func parseUint(b []byte) (uint64, error) {
	// rss is signed in the kernel's format; a negative one is none.
	if len(b) > 0 && b[0] == '-' {
		return 0, nil
	}
	return strconv.ParseUint(string(b), 10, 64)
}

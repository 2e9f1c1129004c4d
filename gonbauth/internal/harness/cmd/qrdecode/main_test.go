package main

import (
	"strings"
	"testing"
)

// A version 1 code of "gonbauth" (level M), drawn by rsc.io/qr, with no
// quiet zone: decode adds one.
const gonbauthQR = `#######...#.#.#######
#.....#.#.....#.....#
#.###.#....##.#.###.#
#.###.#...#.#.#.###.#
#.###.#.#.###.#.###.#
#.....#....#..#.....#
#######.#.#.#.#######
..........#..........
#.#.#.#..#..#...#..#.
#.####.#.#.#.####.###
###...###.##..####.##
.#.##....#####.#....#
##.#########..###..##
........###...#.#.###
#######..#..#..##..##
#.....#...#...#....#.
#.###.#.#...#.###....
#.###.#..###.#..##.#.
#.###.#.##.#.####...#
#.....#..#.###.....#.
#######.##.#.##.#..##
`

func TestDecode(t *testing.T) {
	got, err := decode(strings.NewReader(gonbauthQR))
	if err != nil || got != "gonbauth" {
		t.Fatalf("decode = %q, %v; want gonbauth", got, err)
	}
	// Half the rows gone: no longer a QR code.
	half := strings.Join(strings.Split(gonbauthQR, "\n")[:10], "\n")
	if got, err := decode(strings.NewReader(half)); err == nil {
		t.Errorf("half a code decodes to %q", got)
	}
	if _, err := decode(strings.NewReader("")); err == nil {
		t.Error("nothing decodes")
	}
}

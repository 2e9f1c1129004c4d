package browsertest

import (
	"math"
	"testing"
)

func TestContrastRatio(t *testing.T) {
	for _, tc := range []struct {
		a, b [3]uint8
		want float64
	}{
		{[3]uint8{0, 0, 0}, [3]uint8{255, 255, 255}, 21},
		{[3]uint8{255, 255, 255}, [3]uint8{255, 255, 255}, 1},
		{[3]uint8{0x76, 0x76, 0x76}, [3]uint8{255, 255, 255}, 4.54},
		{[3]uint8{0xf5, 0x7c, 0x00}, [3]uint8{255, 255, 255}, 2.70},
	} {
		if got := ContrastRatio(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("ContrastRatio(%v, %v) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

package archimate

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"fmt"
	"strings"
	"sync"
)

// relationshipsXML is the ArchiMate 3.2 relationship matrix of the Archi project (MIT licence, see
// LICENSE-archi.txt beside it): for every pair of concepts, the relationship types allowed from
// the first to the second.
//
//go:embed relationships-3.2.xml
var relationshipsXML []byte

// Relationship types of the exchange format and their letters in the matrix.
var relLetters = map[string]byte{
	"Access":         'a',
	"Composition":    'c',
	"Flow":           'f',
	"Aggregation":    'g',
	"Assignment":     'i',
	"Influence":      'n',
	"Association":    'o',
	"Realization":    'r',
	"Specialization": 's',
	"Triggering":     't',
	"Serving":        'v',
}

// Matrix tells which relationship types ArchiMate allows between two element types.
type Matrix struct {
	allowed map[string]map[string]string // source concept -> target concept -> letters
}

// ParseMatrix reads a relationship matrix in the format of Archi's relationships.xml.
func ParseMatrix(data []byte) (*Matrix, error) {
	var doc struct {
		Sources []struct {
			Concept string `xml:"concept,attr"`
			Targets []struct {
				Concept   string `xml:"concept,attr"`
				Relations string `xml:"relations,attr"`
			} `xml:"target"`
		} `xml:"source"`
	}
	if err := xml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("relationship matrix: %w", err)
	}
	m := &Matrix{allowed: map[string]map[string]string{}}
	for _, s := range doc.Sources {
		row := map[string]string{}
		for _, t := range s.Targets {
			row[t.Concept] = t.Relations
		}
		m.allowed[s.Concept] = row
	}
	if len(m.allowed) == 0 {
		return nil, fmt.Errorf("relationship matrix: no source concepts")
	}
	return m, nil
}

// Allows reports whether a relationship of type rel (an exchange-format name such as "Serving")
// may go from an element of type source to one of type target.
func (m *Matrix) Allows(source, rel, target string) bool {
	l, ok := relLetters[rel]
	if !ok {
		return false
	}
	return strings.IndexByte(m.allowed[source][target], l) >= 0
}

var (
	builtinOnce   sync.Once
	builtinMatrix *Matrix
)

// BuiltinMatrix returns the ArchiMate 3.2 matrix shipped with the package.
func BuiltinMatrix() *Matrix {
	builtinOnce.Do(func() {
		m, err := ParseMatrix(relationshipsXML)
		if err != nil {
			panic(err) // the embedded file is part of the source; the tests parse it
		}
		builtinMatrix = m
	})
	return builtinMatrix
}

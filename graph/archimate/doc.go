// Package archimate writes and reads models in the ArchiMate Open Exchange Format (The Open
// Group, namespace http://www.opengroup.org/xsd/archimate/3.0/), the file format ArchiMate tools
// such as Archi exchange models in.
//
// Export writes a model file as an exchange file of elements and relationships (no views) that
// validates against the exchange schema, with every relationship one the ArchiMate 3.2
// relationship matrix allows. Import reads one back. The translation between our kinds and
// relationship types and ArchiMate's is the one table Mapping; our kind, relationship type, tags
// and properties travel as exchange properties, so Export then Import gives the same model.
//
// The matrix (relationships-3.2.xml, from the Archi project, MIT licence in LICENSE-archi.txt) is
// embedded: Export checks every relationship it writes against it.
package archimate

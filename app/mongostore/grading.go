package mongostore

// gradingIndexes are the indexes of the grading collections.
var gradingIndexes = []index{}

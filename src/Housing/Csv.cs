namespace Housing;

/// <summary>RFC 4180 reading, streamed row by row (shipped geography and uploaded imports): quoted fields, doubled quotes, CRLF or LF.</summary>
public static class Csv
{
    /// <summary>A field or a row past the caps given to <see cref="Rows"/>: an unclosed quote or a line without end would
    /// otherwise be read whole into memory.</summary>
    public sealed class LimitExceeded(int row, bool field) : FormatException(field ? $"Row {row}: a field is too long." : $"Row {row} has too many fields.")
    {
        /// <summary>The row (1 = the first line) where the cap was passed.</summary>
        public int Row { get; } = row;
        /// <summary>True: one field was too long; false: the row had too many fields.</summary>
        public bool Field { get; } = field;
    }

    public static IEnumerable<string[]> Rows(TextReader reader, int maxFieldChars = int.MaxValue, int maxFields = int.MaxValue)
    {
        var field = new System.Text.StringBuilder();
        var row = new List<string>();
        bool quoted = false, any = false;
        var number = 1;
        int c;
        while ((c = reader.Read()) != -1)
        {
            any = true;
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); Append('"'); }
                    else quoted = false;
                }
                else Append((char)c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') EndField();
            else if (c == '\r') { }
            else if (c == '\n')
            {
                EndField();
                yield return row.ToArray();
                row.Clear(); any = false; number++;
            }
            else Append((char)c);
        }
        if (any) { EndField(); yield return row.ToArray(); }

        void Append(char ch)
        {
            if (field.Length >= maxFieldChars) throw new LimitExceeded(number, field: true);
            field.Append(ch);
        }

        void EndField()
        {
            if (row.Count >= maxFields) throw new LimitExceeded(number, field: false);
            row.Add(field.ToString()); field.Clear();
        }
    }
}

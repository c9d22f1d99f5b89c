namespace Housing;

/// <summary>RFC 4180 reading, streamed row by row (shipped geography and uploaded imports): quoted fields, doubled quotes, CRLF or LF.</summary>
public static class Csv
{
    public static IEnumerable<string[]> Rows(TextReader reader)
    {
        var field = new System.Text.StringBuilder();
        var row = new List<string>();
        bool quoted = false, any = false;
        int c;
        while ((c = reader.Read()) != -1)
        {
            any = true;
            if (quoted)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else field.Append((char)c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\r') { }
            else if (c == '\n')
            {
                row.Add(field.ToString()); field.Clear();
                yield return row.ToArray();
                row.Clear(); any = false;
            }
            else field.Append((char)c);
        }
        if (any) { row.Add(field.ToString()); yield return row.ToArray(); }
    }
}

namespace ServerlessBackOffice.Domain.Reports;

/// <summary>
/// RFC 4180 CSV: fields separated by commas, records by CRLF; a field holding a comma, a quote, CR or LF is quoted and
/// its quotes doubled. Rows are written as they come, so a report of a million rows streams.
/// </summary>
public static class Csv
{
    /// <summary>The characters that make a field quoted.</summary>
    internal static readonly System.Buffers.SearchValues<char> MustQuote = System.Buffers.SearchValues.Create(",\"\r\n");

    /// <summary>Writes one record.</summary>
    public static void WriteRow(TextWriter writer, IEnumerable<string?> fields)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(fields);
        var first = true;
        foreach (var field in fields)
        {
            if (!first)
            {
                writer.Write(',');
            }

            first = false;
            WriteField(writer, field ?? string.Empty);
        }

        writer.Write("\r\n");
    }

    /// <summary>Writes one record from a parameter list.</summary>
    public static void WriteRow(TextWriter writer, params string?[] fields) => WriteRow(writer, (IEnumerable<string?>)fields);

    private static void WriteField(TextWriter writer, string field)
    {
        if (!field.AsSpan().ContainsAny(MustQuote))
        {
            writer.Write(field);
            return;
        }

        writer.Write('"');
        writer.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
        writer.Write('"');
    }

    /// <summary>Reads records back (for tests and the replay's comparison), honouring quoted fields.</summary>
    public static IEnumerable<IReadOnlyList<string>> Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        var any = false;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            any = true;
            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                    }
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (ch == '\r' && reader.Peek() == '\n')
            {
                reader.Read();
                fields.Add(field.ToString());
                field.Clear();
                yield return fields;
                fields = [];
                any = false;
            }
            else
            {
                field.Append(ch);
            }
        }

        if (any)
        {
            fields.Add(field.ToString());
            yield return fields;
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace Housing.Tests.Infrastructure;

/// <summary>
/// Opens workbooks in LibreOffice (headless Calc) and reads every sheet back as a person sees it: formulas computed,
/// numbers and dates formatted (Buddhist Era included). Several files go through one start of LibreOffice, which is the
/// slow part (seconds). Each call has its own LibreOffice profile, so test classes can run at once.
/// </summary>
public static class LibreOffice
{
    /// <summary>A workbook as shown: sheet name → rows → cells' displayed text.</summary>
    public sealed class Book(Dictionary<string, List<string[]>> sheets)
    {
        public IReadOnlyDictionary<string, List<string[]>> Sheets => sheets;
        public List<string[]> this[string sheet] => sheets.TryGetValue(sheet, out var rows) ? rows
            : throw new KeyNotFoundException($"No sheet \"{sheet}\"; the workbook has: {string.Join(", ", sheets.Keys)}");
    }

    // CSV filter: comma, double quote, UTF-8 (76), from line 1, en-US (1033), cells "as shown" (token 9), every sheet (-1: LO 7.2+).
    const string Filter = "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true,false,false,-1";

    public static async Task<Dictionary<string, Book>> ReadAsync(IReadOnlyDictionary<string, byte[]> workbooks)
    {
        var dir = Directory.CreateTempSubdirectory("lo-").FullName;
        try
        {
            var output = Path.Combine(dir, "out");
            var psi = new ProcessStartInfo("soffice") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--headless", "--norestore", $"-env:UserInstallation=file://{dir}/profile", "--convert-to", Filter, "--outdir", output })
                psi.ArgumentList.Add(a);
            foreach (var (name, bytes) in workbooks)
            {
                var path = Path.Combine(dir, name + ".xlsx");
                await File.WriteAllBytesAsync(path, bytes);
                psi.ArgumentList.Add(path);
            }
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("soffice did not start (is libreoffice-calc-nogui installed?)");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(timeout.Token);
            var log = await stdout + await stderr;
            var books = new Dictionary<string, Book>();
            foreach (var name in workbooks.Keys)
            {
                // One file per sheet: "<name>-<sheet>.csv".
                var sheets = Directory.Exists(output)
                    ? Directory.GetFiles(output, name + "-*.csv").ToDictionary(f => Path.GetFileNameWithoutExtension(f)[(name.Length + 1)..], f => Parse(File.ReadAllText(f, Encoding.UTF8)))
                    : [];
                if (sheets.Count == 0) throw new InvalidOperationException($"LibreOffice converted no sheet of {name} (exit {process.ExitCode}): {log}");
                books[name] = new Book(sheets);
            }
            return books;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    public static async Task<Book> ReadAsync(byte[] workbook) => (await ReadAsync(new Dictionary<string, byte[]> { ["book"] = workbook }))["book"];

    /// <summary>RFC 4180: fields in double quotes may hold commas, quotes (doubled) and line breaks.</summary>
    static List<string[]> Parse(string csv)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < csv.Length; i++)
        {
            var ch = csv[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < csv.Length && csv[i + 1] == '"') { field.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else field.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (ch is '\n' or '\r')
            {
                if (ch == '\r' && i + 1 < csv.Length && csv[i + 1] == '\n') i++;
                row.Add(field.ToString());
                field.Clear();
                rows.Add([.. row]);
                row.Clear();
            }
            else field.Append(ch);
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add([.. row]);
        }
        return rows;
    }
}

using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Housing.Access;
using Housing.Imports;

namespace Housing.Tests.Imports;

/// <summary>Files built to exhaust the app: each is refused at once with a 400 that says which cap, and memory stays flat.</summary>
public sealed class ImportLimitsTests(TestApp app) : IClassFixture<TestApp>
{
    static async Task<(JsonElement Problem, TimeSpan Took)> RefusedAsync(HttpClient client, byte[] content, string fileName)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/households/import") { Content = form };
        request.Headers.AcceptLanguage.ParseAdd("en-GB");
        var clock = Stopwatch.StartNew();
        var response = await client.SendAsync(request);
        var took = clock.Elapsed;
        return (await Seed.ProblemAsync(response, HttpStatusCode.BadRequest), took);
    }

    static string FileError(JsonElement problem) => problem.GetProperty("errors").GetProperty("file")[0].GetString()!;

    /// <summary>The template with one household, its shared-strings part replaced by <paramref name="sharedStrings"/>
    /// (written as it streams, so the test holds none of it); optionally with that part's declared size a lie.</summary>
    static byte[] Bomb(Action<Stream> sharedStrings, bool lie = false)
    {
        using var template = new MemoryStream();
        ImportTemplate.WriteXlsx(template, english: false, [["1101700203451", "นายหนึ่ง", "1/1", 1, "540101", 3, 2000m, null, null, null]]);
        template.Position = 0;
        using var source = new ZipArchive(template, ZipArchiveMode.Read);
        var output = new MemoryStream();
        string sharedName;
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            sharedName = source.Entries.Single(e => e.FullName.Contains("sharedStrings", StringComparison.OrdinalIgnoreCase)).FullName;
            foreach (var e in source.Entries)
            {
                using var to = zip.CreateEntry(e.FullName, CompressionLevel.Optimal).Open();
                if (e.FullName == sharedName) sharedStrings(to);
                else { using var from = e.Open(); from.CopyTo(to); }
            }
        }
        var bytes = output.ToArray();
        if (lie) Declare(bytes, sharedName, 1000);
        return bytes;
    }

    /// <summary>Rewrites the uncompressed size the zip declares for one entry, in its local header and in the central directory.</summary>
    static void Declare(byte[] zip, string name, uint size)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (signature == 0x04034b50 && zip.AsSpan(i + 30, nameBytes.Length).SequenceEqual(nameBytes)
                && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 26)) == nameBytes.Length)
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 22), size);
            if (signature == 0x02014b50 && zip.AsSpan(i + 46, nameBytes.Length).SequenceEqual(nameBytes)
                && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + 28)) == nameBytes.Length)
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + 24), size);
        }
    }

    /// <summary>200 MB of shared strings, one tiny string after another.</summary>
    static void ManyStrings(Stream to)
    {
        var item = Encoding.UTF8.GetBytes("<si><t>a</t></si>");
        var block = Enumerable.Range(0, 4096).SelectMany(_ => item).ToArray();
        to.Write("<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"u8);
        for (long written = 0; written < 200L * 1024 * 1024; written += block.Length) to.Write(block);
        to.Write("</sst>"u8);
    }

    /// <summary>One shared string of 40 MB: within the part's cap, so only the cell cap stops it.</summary>
    static void OneHugeString(Stream to)
    {
        var block = Enumerable.Repeat((byte)'a', 1 << 16).ToArray();
        to.Write("<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>"u8);
        for (long written = 0; written < 40L * 1024 * 1024; written += block.Length) to.Write(block);
        to.Write("</t></si></sst>"u8);
    }

    /// <summary>What reading the file allocates on this thread (the reader is synchronous), and its refusal.</summary>
    static (long Bytes, string Message) Read(byte[] xlsx)
    {
        using var stream = new MemoryStream(xlsx);
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            using var sheet = SheetReader.Open(stream, "bomb.xlsx");
            foreach (var _ in sheet.Rows()) { }
            return (GC.GetAllocatedBytesForCurrentThread() - before, "");
        }
        catch (ValidationFailed e)
        {
            return (GC.GetAllocatedBytesForCurrentThread() - before, e.Errors["file"][0].En);
        }
        catch (Exception e) when (e is System.Xml.XmlException or InvalidDataException)
        {
            return (GC.GetAllocatedBytesForCurrentThread() - before, "unreadable");
        }
    }

    [Fact]
    public async Task A_small_xlsx_whose_shared_strings_inflate_to_200_MB_is_refused_at_once_with_flat_memory()
    {
        var bomb = Bomb(ManyStrings);
        Assert.True(bomb.Length < 4 * 1024 * 1024, $"the bomb is {bomb.Length:N0} bytes");
        var (bytes, message) = Read(bomb);
        Assert.StartsWith("Nothing was imported: This .xlsx inflates to more than 160 MB", message);
        Assert.True(bytes < 8 * 1024 * 1024, $"reading the bomb allocated {bytes:N0} bytes");

        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var before = await app.Db.CountAsync("households");
        var (problem, took) = await RefusedAsync(staff, bomb, "bomb.xlsx");
        Assert.Equal(message, FileError(problem));
        Assert.True(took < TimeSpan.FromSeconds(2), $"the refusal took {took.TotalSeconds:0.0} s");
        Assert.Equal(before, await app.Db.CountAsync("households"));
    }

    [Fact]
    public async Task A_zip_that_lies_about_its_sizes_is_refused_at_once_with_flat_memory()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        // The shared strings declared as 1,000 bytes: the zip reader stops at the declared size (the part then ends
        // mid-element, so the file cannot be read), and the counter would stop it at the caps if it did not.
        foreach (var bomb in new[] { Bomb(ManyStrings, lie: true), Bomb(OneHugeString, lie: true) })
        {
            var (bytes, message) = Read(bomb);
            Assert.Equal("unreadable", message);
            Assert.True(bytes < 8 * 1024 * 1024, $"reading the lying bomb allocated {bytes:N0} bytes");
            var (problem, took) = await RefusedAsync(staff, bomb, "lies.xlsx");
            Assert.StartsWith("The file cannot be read", FileError(problem));
            Assert.True(took < TimeSpan.FromSeconds(2), $"the refusal took {took.TotalSeconds:0.0} s");
        }
    }

    [Fact]
    public async Task One_shared_string_of_40_MB_is_refused_after_a_few_kilobytes()
    {
        var huge = Bomb(OneHugeString);
        var (bytes, message) = Read(huge);
        Assert.Equal("Nothing was imported: The file holds a text longer than 4,000 characters.", message);
        Assert.True(bytes < 8 * 1024 * 1024, $"reading the huge string allocated {bytes:N0} bytes");
        var (problem, took) = await RefusedAsync(await app.ClientAsync(Role.ProvincialStaff, ["54"]), huge, "huge.xlsx");
        Assert.Equal(message, FileError(problem));
        Assert.True(took < TimeSpan.FromSeconds(2), $"the refusal took {took.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Csv_rows_columns_fields_and_the_upload_are_capped()
    {
        var staff = await app.ClientAsync(Role.ProvincialStaff, ["54"]);
        var header = "เลขประจำตัวประชาชน,ชื่อ-สกุลหัวหน้าครัวเรือน,บ้านเลขที่,รหัสตำบล,จำนวนสมาชิก,รายได้\r\n";

        var endless = Encoding.UTF8.GetBytes(header + "\"" + new string('ก', 200_000));
        Assert.Equal("Nothing was imported: Row 2 has a cell longer than 4,000 characters.", FileError((await RefusedAsync(staff, endless, "a.csv")).Problem));

        var wide = Encoding.UTF8.GetBytes(header + string.Join(',', Enumerable.Repeat("x", 65)) + "\r\n");
        Assert.Equal("Nothing was imported: Row 2 has more than 64 columns.", FileError((await RefusedAsync(staff, wide, "a.csv")).Problem));

        var rows = new StringBuilder(header);
        for (var i = 0; i < ImportLimits.MaxRows; i++) rows.Append("x\n");
        Assert.Equal("Nothing was imported: The file has more than 200,000 rows: split it into several files.",
            FileError((await RefusedAsync(staff, Encoding.UTF8.GetBytes(rows.ToString()), "a.csv")).Problem));

        var big = new byte[ImportLimits.MaxUploadBytes + 1];
        Array.Fill(big, (byte)'x');
        Assert.Equal("Nothing was imported: The file is larger than 30 MB.", FileError((await RefusedAsync(staff, big, "big.csv")).Problem));
    }

    [Fact]
    public void Csv_without_caps_reads_as_before_and_with_caps_says_where()
    {
        Assert.Equal([["a", "b\"c"], ["d", ""]], Csv.Rows(new StringReader("a,\"b\"\"c\"\r\nd,\n")).ToArray());
        var e = Assert.Throws<Csv.LimitExceeded>(() => Csv.Rows(new StringReader("a\nbb,c\n"), maxFieldChars: 1).ToArray());
        Assert.Equal((2, true), (e.Row, e.Field));
        e = Assert.Throws<Csv.LimitExceeded>(() => Csv.Rows(new StringReader("a,b\na,b,c\n"), maxFields: 2).ToArray());
        Assert.Equal((2, false), (e.Row, e.Field));
    }
}

using System.Buffers.Binary;

namespace Housing.Milestones;

/// <summary>What a file really is, read from its bytes (never its name): JPEG or PNG, with its pixel size from the
/// header (PNG IHDR, JPEG start-of-frame). No image library needed, and no decoder runs on untrusted input.</summary>
public static class ImageCheck
{
    public sealed record Image(string ContentType, int Width, int Height);

    public static Image? Read(ReadOnlySpan<byte> b)
    {
        var image = b.Length >= 24 && b[..8].SequenceEqual(PngSignature) && b.Slice(12, 4).SequenceEqual("IHDR"u8)
            ? new Image("image/png", (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(b[16..]), int.MaxValue),
                (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(b[20..]), int.MaxValue))
            : b.Length >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF ? ReadJpeg(b) : null;
        return image is { Width: > 0 and <= 30_000, Height: > 0 and <= 30_000 } ? image : null;
    }

    static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Walks the JPEG segments to the first start-of-frame marker (SOF0–SOF15 but DHT C4, JPG C8, DAC CC).</summary>
    static Image? ReadJpeg(ReadOnlySpan<byte> b)
    {
        var i = 2;
        while (i + 9 < b.Length)
        {
            if (b[i] != 0xFF) return null;
            var marker = b[i + 1];
            if (marker == 0xFF) { i++; continue; } // fill byte
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { i += 2; continue; } // markers without a length
            var length = BinaryPrimitives.ReadUInt16BigEndian(b[(i + 2)..]);
            if (length < 2) return null;
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                return new Image("image/jpeg", BinaryPrimitives.ReadUInt16BigEndian(b[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(b[(i + 5)..]));
            if (marker is 0xD9 or 0xDA) return null; // end of image or scan data before any frame header
            i += 2 + length;
        }
        return null;
    }
}

using System.Text;

namespace NevHub.Protocols.Jt808;

/// <summary>GBK (code page 936) text, as JT/T 808 STRING and BYTE[n] text fields use.</summary>
public static class Jt808Text
{
    /// <summary>The GBK encoding (registers the code-pages provider of the shared framework on first use).</summary>
    public static Encoding Gbk { get; } = CreateGbk();

    /// <summary>Decodes GBK and removes 0x00 padding (never ASCII '0', see jt808.md §12 item 15).</summary>
    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        var start = 0;
        var end = bytes.Length;
        while (start < end && bytes[start] == 0)
        {
            start++;
        }

        while (end > start && bytes[end - 1] == 0)
        {
            end--;
        }

        var trimmed = bytes[start..end];
        if (trimmed.IsEmpty)
        {
            return string.Empty;
        }

        var text = Gbk.GetString(trimmed);
        return text.Contains('\0', StringComparison.Ordinal) ? text.Replace("\0", string.Empty, StringComparison.Ordinal) : text;
    }

    /// <summary>Encodes <paramref name="text"/> as GBK.</summary>
    public static byte[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Gbk.GetBytes(text);
    }

    private static Encoding CreateGbk()
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(936);
    }
}

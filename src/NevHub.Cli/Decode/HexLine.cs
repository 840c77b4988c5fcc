using System.Globalization;

namespace NevHub.Cli.Decode;

/// <summary>What one input line turned out to be.</summary>
internal enum HexLineKind
{
    /// <summary>Blank or a comment: nothing to decode, nothing to print.</summary>
    Skip,

    /// <summary>Hex digits that form whole bytes.</summary>
    Bytes,

    /// <summary>Not hex: <see cref="HexLine.Error"/> says why.</summary>
    BadHex,
}

/// <summary>
/// One line of hex input, parsed forgivingly: <c>#</c> starts a comment; whitespace and <c>: - , ; " ' [ ] { }</c> separate
/// bytes and are ignored; a token may start with <c>0x</c>/<c>0X</c>; digits may be upper or lower case.
/// </summary>
internal readonly record struct HexLine(HexLineKind Kind, byte[] Bytes, string? Error)
{
    public static HexLine Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var comment = text.IndexOf('#', StringComparison.Ordinal);
        var content = comment >= 0 ? text.AsSpan(0, comment) : text.AsSpan();
        if (content.IsWhiteSpace())
        {
            return new HexLine(HexLineKind.Skip, [], null);
        }

        // At most one nibble per character: the buffer never needs to grow.
        var bytes = new byte[(content.Length + 1) / 2];
        var nibbles = 0;
        var tokenStart = true;
        for (var i = 0; i < content.Length; i++)
        {
            var c = content[i];
            if (IsSeparator(c))
            {
                tokenStart = true;
                continue;
            }

            if (tokenStart && c == '0' && i + 1 < content.Length && content[i + 1] is 'x' or 'X')
            {
                i++;
                tokenStart = false;
                continue;
            }

            tokenStart = false;
            var value = HexValue(c);
            if (value < 0)
            {
                return Bad($"column {i + 1}: {Describe(c)} is not a hex digit");
            }

            if ((nibbles & 1) == 0)
            {
                bytes[nibbles >> 1] = (byte)(value << 4);
            }
            else
            {
                bytes[nibbles >> 1] |= (byte)value;
            }

            nibbles++;
        }

        if (nibbles == 0)
        {
            return Bad("no hex digits");
        }

        if ((nibbles & 1) != 0)
        {
            return Bad($"odd number of hex digits ({nibbles}): the last byte is missing a digit");
        }

        return new HexLine(HexLineKind.Bytes, bytes.AsSpan(0, nibbles / 2).ToArray(), null);
    }

    private static HexLine Bad(string error) => new(HexLineKind.BadHex, [], error);

    private static bool IsSeparator(char c) =>
        char.IsWhiteSpace(c) || c is ':' or '-' or ',' or ';' or '"' or '\'' or '[' or ']' or '{' or '}';

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static string Describe(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || char.IsWhiteSpace(c)
            ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}")
            : $"'{c}'";
}

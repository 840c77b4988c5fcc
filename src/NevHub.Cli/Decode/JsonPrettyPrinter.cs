using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NevHub.Cli.Decode;

/// <summary>
/// Indented JSON for people: two-space indentation, arrays of numbers or strings packed onto as few lines as fit the width
/// (a 96-cell voltage list is a few lines, not 96), and optional ANSI colours. The output is always valid JSON once the
/// colour codes are removed.
/// </summary>
internal static class JsonPrettyPrinter
{
    private const int Width = 120;

    private const string Reset = "\u001b[0m";
    private const string KeyColor = "\u001b[36m";        // cyan
    private const string StringColor = "\u001b[32m";     // green
    private const string NumberColor = "\u001b[33m";     // yellow
    private const string LiteralColor = "\u001b[35m";    // magenta: true, false, null
    private const string SentinelColor = "\u001b[1;35m"; // bold magenta: "invalid", "abnormal"
    private const string ErrorColor = "\u001b[1;31m";    // bold red: the error key and everything under it

    public static string Print(JsonElement root, bool color)
    {
        var sb = new StringBuilder(1024);
        Write(sb, root, 0, 0, color, inError: false);
        return sb.ToString();
    }

    /// <param name="column">Visible column at which the value starts (for packing arrays).</param>
    private static void Write(StringBuilder sb, JsonElement element, int indent, int column, bool color, bool inError)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(sb, element, indent, color, inError);
                break;
            case JsonValueKind.Array:
                WriteArray(sb, element, indent, column, color, inError);
                break;
            default:
                WriteScalar(sb, element, color, inError);
                break;
        }
    }

    private static void WriteObject(StringBuilder sb, JsonElement element, int indent, bool color, bool inError)
    {
        using var properties = element.EnumerateObject();
        if (!properties.MoveNext())
        {
            sb.Append("{}");
            return;
        }

        sb.Append('{');
        var first = true;
        do
        {
            var property = properties.Current;
            sb.Append(first ? "\n" : ",\n");
            first = false;
            sb.Append(' ', indent + 2);
            var isError = inError || property.NameEquals("error");
            var key = Quote(property.Name);
            Colored(sb, key, color ? (isError ? ErrorColor : KeyColor) : null);
            sb.Append(": ");
            Write(sb, property.Value, indent + 2, indent + 2 + key.Length + 2, color, isError);
        }
        while (properties.MoveNext());

        sb.Append('\n').Append(' ', indent).Append('}');
    }

    private static void WriteArray(StringBuilder sb, JsonElement element, int indent, int column, bool color, bool inError)
    {
        var length = element.GetArrayLength();
        if (length == 0)
        {
            sb.Append("[]");
            return;
        }

        var scalars = true;
        foreach (var item in element.EnumerateArray())
        {
            scalars &= item.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array);
        }

        if (!scalars)
        {
            sb.Append('[');
            var first = true;
            foreach (var item in element.EnumerateArray())
            {
                sb.Append(first ? "\n" : ",\n");
                first = false;
                sb.Append(' ', indent + 2);
                Write(sb, item, indent + 2, indent + 2, color, inError);
            }

            sb.Append('\n').Append(' ', indent).Append(']');
            return;
        }

        // Scalars: one line when the whole array fits after the key, otherwise rows that fit the width.
        var texts = new List<string>(length);
        var total = 2;
        foreach (var item in element.EnumerateArray())
        {
            var text = ScalarText(item);
            texts.Add(text);
            total += text.Length + 2;
        }

        if (column + total <= Width)
        {
            sb.Append('[');
            for (var i = 0; i < texts.Count; i++)
            {
                if (i > 0)
                {
                    sb.Append(", ");
                }

                Colored(sb, texts[i], ScalarColor(element[i], color, inError));
            }

            sb.Append(']');
            return;
        }

        sb.Append("[\n").Append(' ', indent + 2);
        var lineLength = indent + 2;
        for (var i = 0; i < texts.Count; i++)
        {
            var piece = texts[i].Length + (i < texts.Count - 1 ? 1 : 0);
            if (lineLength > indent + 2 && lineLength + 1 + piece > Width)
            {
                sb.Append('\n').Append(' ', indent + 2);
                lineLength = indent + 2;
            }
            else if (lineLength > indent + 2)
            {
                sb.Append(' ');
                lineLength++;
            }

            Colored(sb, texts[i], ScalarColor(element[i], color, inError));
            if (i < texts.Count - 1)
            {
                sb.Append(',');
            }

            lineLength += piece;
        }

        sb.Append('\n').Append(' ', indent).Append(']');
    }

    private static void WriteScalar(StringBuilder sb, JsonElement element, bool color, bool inError) =>
        Colored(sb, ScalarText(element), ScalarColor(element, color, inError));

    private static string ScalarText(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => Quote(element.GetString()!),
        _ => element.GetRawText(),
    };

    private static string? ScalarColor(JsonElement element, bool color, bool inError)
    {
        if (!color)
        {
            return null;
        }

        if (inError)
        {
            return ErrorColor;
        }

        return element.ValueKind switch
        {
            JsonValueKind.String when element.ValueEquals("invalid") || element.ValueEquals("abnormal") => SentinelColor,
            JsonValueKind.String => StringColor,
            JsonValueKind.Number => NumberColor,
            _ => LiteralColor,
        };
    }

    private static void Colored(StringBuilder sb, string text, string? ansi)
    {
        if (ansi is null)
        {
            sb.Append(text);
            return;
        }

        sb.Append(ansi).Append(text).Append(Reset);
    }

    /// <summary>A JSON string literal with the same relaxed escaping as the renderers ("+08:00" and Chinese text stay readable).</summary>
    private static string Quote(string value) =>
        "\"" + JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() + "\"";
}

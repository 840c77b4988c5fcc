using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using NevHub.Protocols.Gbt32960;
using NevHub.Protocols.Jt808;

[assembly: InternalsVisibleTo("NevHub.Cli.Tests")]

namespace NevHub.Cli.Decode;

/// <summary>Which codec reads a line.</summary>
internal enum DecodeProtocol
{
    /// <summary>By the first bytes: <c>##</c>/<c>$$</c> → GB/T 32960, <c>7E</c> → JT/T 808.</summary>
    Auto,
    Gbt32960,
    Jt808,
}

/// <summary>Settings of one <see cref="FrameDecoderTool"/> run.</summary>
internal sealed class FrameDecoderOptions
{
    public DecodeProtocol Protocol { get; init; } = DecodeProtocol.Auto;

    /// <summary>Indented output for people instead of JSON Lines.</summary>
    public bool Pretty { get; init; }

    /// <summary>ANSI colours (only with <see cref="Pretty"/>).</summary>
    public bool Color { get; init; }

    /// <summary>JT/T 808: reject a 2019 version flag on a 2013 header (default: parse it as 2013 with a warning, like the gateway).</summary>
    public bool Strict { get; init; }
}

/// <summary>
/// The core of <c>nevhub decode</c>: hex lines in, one JSON object per frame out. Each object is the codec's documented JSON
/// (docs/protocols/gbt32960-json.md, docs/protocols/jt808-json.md) with the CLI envelope keys <c>line</c> and <c>protocol</c>
/// first. Lines are processed and flushed one at a time, so it works on an endless stream.
/// </summary>
internal sealed class FrameDecoderTool
{
    /// <summary>Reassembly limits for a whole input (a log may interleave many devices); the gateway's are per connection.</summary>
    private static readonly Jt808ReassemblerOptions ReassemblyLimits = new()
    {
        MaxPendingMessages = 1024,
        MaxPendingBytes = 64 * 1024 * 1024,
    };

    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly TextWriter _output;
    private readonly FrameDecoderOptions _options;
    private readonly Gbt32960Framer _gbtFramer = new();
    private readonly Gbt32960Decoder _gbtDecoder = new();
    private readonly Jt808CodecOptions _jtOptions;
    private readonly Jt808Framer _jtFramer;
    private readonly Jt808Decoder _jtDecoder;
    private readonly Jt808Reassembler _reassembler = new(ReassemblyLimits);
    private readonly ArrayBufferWriter<byte> _body = new(4096);
    private readonly ArrayBufferWriter<byte> _envelope = new(4096);

    public FrameDecoderTool(TextWriter output, FrameDecoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _options = options ?? new FrameDecoderOptions();
        _jtOptions = _options.Strict
            ? new Jt808CodecOptions { VersionFlagMismatch = Jt808VersionFlagMismatchHandling.Reject }
            : Jt808CodecOptions.Default;
        _jtFramer = new Jt808Framer(_jtOptions);
        _jtDecoder = new Jt808Decoder(_jtOptions);
    }

    /// <summary>Objects written so far.</summary>
    public int Written { get; private set; }

    /// <summary>Objects written so far that carry an <c>error</c>.</summary>
    public int Failed { get; private set; }

    /// <summary>JT/T 808 subpackaged messages still missing packages.</summary>
    public int PendingSubpackagedMessages => _reassembler.PendingMessages;

    /// <summary>0 when every frame decoded, 1 when any did not.</summary>
    public int ExitCode => Failed == 0 ? 0 : 1;

    /// <summary>Decodes <paramref name="input"/> one line at a time (1-based line numbers) until it ends.</summary>
    public async Task<int> RunAsync(TextReader input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var number = 0;
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            DecodeLine(line, ++number);
        }

        return ExitCode;
    }

    /// <summary>Decodes each argument as one line (numbered from 1).</summary>
    public int Run(IReadOnlyList<string> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        for (var i = 0; i < frames.Count; i++)
        {
            DecodeLine(frames[i], i + 1);
        }

        return ExitCode;
    }

    /// <summary>Decodes one line of hex and writes one object per frame (none for a blank or comment line).</summary>
    public void DecodeLine(string text, int line)
    {
        var hex = HexLine.Parse(text);
        switch (hex.Kind)
        {
            case HexLineKind.Skip:
                return;
            case HexLineKind.BadHex:
                WriteCliError(line, "bad_hex", hex.Error!);
                return;
        }

        var bytes = hex.Bytes;
        var protocol = _options.Protocol;
        if (protocol == DecodeProtocol.Auto)
        {
            protocol = Detect(bytes);
        }

        switch (protocol)
        {
            case DecodeProtocol.Gbt32960:
                DecodeGbt32960(bytes, line);
                break;
            case DecodeProtocol.Jt808:
                DecodeJt808(bytes, line);
                break;
            default:
                WriteCliError(
                    line,
                    "unknown_protocol",
                    $"starts with {Convert.ToHexString(bytes.AsSpan(0, Math.Min(2, bytes.Length)))}: "
                    + "neither GB/T 32960 (2323 '##', 2424 '$$') nor JT/T 808 (7E); use --protocol to force one");
                break;
        }
    }

    /// <summary>The protocol a frame's first bytes announce, or <see cref="DecodeProtocol.Auto"/> when none.</summary>
    public static DecodeProtocol Detect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length >= 2 && bytes[0] is 0x23 or 0x24 && bytes[1] == bytes[0])
        {
            return DecodeProtocol.Gbt32960;
        }

        return bytes.Length >= 1 && bytes[0] == 0x7E ? DecodeProtocol.Jt808 : DecodeProtocol.Auto;
    }

    private void DecodeGbt32960(byte[] bytes, int line)
    {
        const string Protocol = "gbt32960";
        Gbt32960Frame frame;
        Gbt32960Message message;
        try
        {
            frame = _gbtFramer.ReadFrame(bytes);
            message = _gbtDecoder.Decode(frame);
        }
        catch (Gbt32960FormatException e)
        {
            using (var writer = BeginBody())
            {
                Gbt32960Json.WriteError(writer, bytes, e);
            }

            Emit(line, Protocol, failed: true);
            return;
        }

        using (var writer = BeginBody())
        {
            Gbt32960Json.Write(writer, frame, message);
        }

        Emit(line, Protocol, failed: false);
    }

    private void DecodeJt808(byte[] bytes, int line)
    {
        // A line may hold several frames back to back (7E…7E7E…7E). A framing error ends the line: the framer does not
        // re-synchronise, and neither do we.
        var buffer = new ReadOnlySequence<byte>(bytes);
        while (!buffer.IsEmpty)
        {
            Jt808Frame frame;
            try
            {
                if (!_jtFramer.TryRead(ref buffer, out frame))
                {
                    // The line is all there is: a frame without its closing flag is incomplete, not "need more bytes".
                    _jtFramer.ReadComplete(buffer.ToArray());
                    throw new Jt808FormatException(Jt808FormatError.Incomplete, "The line ended inside a frame (no closing 0x7E).");
                }
            }
            catch (Jt808FormatException e)
            {
                WriteJt808Error(line, e, frame: null);
                return;
            }

            DecodeJt808Frame(frame, line);
        }
    }

    private void DecodeJt808Frame(in Jt808Frame frame, int line)
    {
        Jt808Message message;
        try
        {
            message = _jtDecoder.Decode(frame);
        }
        catch (Jt808FormatException e)
        {
            WriteJt808Error(line, e, frame);
            return;
        }

        using (var writer = BeginBody())
        {
            Jt808JsonRenderer.Write(writer, frame, message, _jtOptions);
        }

        Emit(line, "jt808", failed: false);
        if (!frame.Header.IsSubpackaged)
        {
            return;
        }

        Jt808ReassembledMessage whole;
        try
        {
            // Copies the body: the frame's memory is reused by the framer's next read.
            if (!_reassembler.TryAdd(frame, out whole) || frame.Header.PackageTotal <= 1)
            {
                return;
            }
        }
        catch (Jt808FormatException e)
        {
            WriteJt808Error(line, e, frame);
            return;
        }

        WriteReassembled(line, whole);
    }

    private void WriteReassembled(int line, in Jt808ReassembledMessage whole)
    {
        var total = whole.Header.PackageTotal;
        var header = whole.Header with { IsSubpackaged = false, PackageTotal = 0, PackageIndex = 0, BodyLength = whole.Body.Length };
        using var writer = BeginBody();
        writer.WriteStartObject();
        writer.WriteStartObject("reassembled");
        writer.WriteNumber("package_total", total);
        writer.WriteNumber("original_serial", whole.OriginalSerial);
        writer.WriteNumber("body_length", whole.Body.Length);
        writer.WriteEndObject();
        WriteJt808Header(writer, header);
        Jt808Message message;
        try
        {
            message = _jtDecoder.Decode(whole);
        }
        catch (Jt808FormatException e)
        {
            writer.WriteString("error", e.ReasonCode);
            writer.WriteString("detail", e.Message);
            writer.WriteString("body_hex", Convert.ToHexStringLower(whole.Body.Span));
            writer.WriteEndObject();
            writer.Flush();
            Emit(line, "jt808", failed: true);
            return;
        }

        var warnings = new List<string>();
        writer.WritePropertyName("body");
        Jt808JsonRenderer.WriteBody(writer, header, message.Body, _jtOptions.DeviceTimeOffset, warnings);
        if (warnings.Count > 0)
        {
            writer.WriteStartArray("warnings");
            foreach (var warning in warnings)
            {
                writer.WriteStringValue(warning);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.Flush();
        Emit(line, "jt808", failed: false);
    }

    /// <summary>The <c>header</c> object with the renderer's keys (docs/protocols/jt808-json.md), for a message that has no frame.</summary>
    private static void WriteJt808Header(Utf8JsonWriter writer, in Jt808Header header)
    {
        writer.WriteStartObject("header");
        writer.WriteString("msg_id", $"0x{header.MessageId:X4}");
        writer.WriteNumber("body_length", header.BodyLength);
        writer.WriteNumber("encryption", header.Encryption);
        writer.WriteBoolean("subpackaged", header.IsSubpackaged);
        writer.WriteBoolean("version_flag", header.VersionFlag);
        if (header.Version == Jt808Version.V2019)
        {
            writer.WriteNumber("protocol_version", header.ProtocolVersion);
        }
        else
        {
            writer.WriteNull("protocol_version");
        }

        writer.WriteString("phone", header.Phone.ToString());
        writer.WriteNumber("serial", header.Serial);
        writer.WriteEndObject();
    }

    private void WriteJt808Error(int line, Jt808FormatException error, Jt808Frame? frame)
    {
        using (var writer = BeginBody())
        {
            if (frame is { } f)
            {
                Jt808JsonRenderer.WriteError(writer, error, f);
            }
            else
            {
                Jt808JsonRenderer.WriteError(writer, error);
            }
        }

        Emit(line, "jt808", failed: true);
    }

    /// <summary>An error found before any codec ran: <c>{"line": n, "error": {"kind", "detail"}}</c>.</summary>
    private void WriteCliError(int line, string kind, string detail)
    {
        using (var writer = BeginBody())
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("kind", kind);
            writer.WriteString("detail", detail);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        Emit(line, protocol: null, failed: true);
    }

    private Utf8JsonWriter BeginBody()
    {
        _body.ResetWrittenCount();
        return new Utf8JsonWriter(_body, Compact);
    }

    /// <summary>Writes the object in <see cref="_body"/> behind the envelope keys, as one line (or indented), and flushes.</summary>
    private void Emit(int line, string? protocol, bool failed)
    {
        using var body = JsonDocument.Parse(_body.WrittenMemory);
        _envelope.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_envelope, Compact))
        {
            writer.WriteStartObject();
            writer.WriteNumber("line", line);
            if (protocol is not null)
            {
                writer.WriteString("protocol", protocol);
            }

            foreach (var property in body.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        string text;
        if (_options.Pretty)
        {
            using var envelope = JsonDocument.Parse(_envelope.WrittenMemory);
            text = JsonPrettyPrinter.Print(envelope.RootElement, _options.Color);
        }
        else
        {
            text = Encoding.UTF8.GetString(_envelope.WrittenSpan);
        }

        Written++;
        if (failed)
        {
            Failed++;
        }

        _output.Write(text + "\n");
        _output.Flush();
    }
}

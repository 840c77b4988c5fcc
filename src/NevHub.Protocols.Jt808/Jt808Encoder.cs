using System.Buffers;
using System.Buffers.Binary;

namespace NevHub.Protocols.Jt808;

/// <summary>
/// Builds wire frames: header + body, checksum, escaping, flags. The header's body length, subpackage and version fields are
/// filled in from the body and <see cref="Jt808Header.Version"/>; its id comes from the body.
/// </summary>
public static class Jt808Encoder
{
    public const int MaxBodyLength = 1023;

    [ThreadStatic]
    private static Jt808BodyWriter? t_writer;

    /// <summary>Encodes a message into a new wire frame.</summary>
    public static byte[] Encode(in Jt808Header header, Jt808Body body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var writer = RentWriter();
        body.Write(writer, header.Version);
        return EncodeFrame(header with { MessageId = body.MessageId }, writer.WrittenSpan);
    }

    /// <summary>Encodes a message into <paramref name="output"/>; returns the bytes written.</summary>
    public static int Encode(in Jt808Header header, Jt808Body body, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(body);
        var writer = RentWriter();
        body.Write(writer, header.Version);
        return EncodeFrame(header with { MessageId = body.MessageId }, writer.WrittenSpan, output);
    }

    /// <summary>The body bytes of <paramref name="body"/> in the layout of <paramref name="version"/>.</summary>
    public static byte[] EncodeBody(Jt808Body body, Jt808Version version)
    {
        ArgumentNullException.ThrowIfNull(body);
        var writer = new Jt808BodyWriter();
        body.Write(writer, version);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Frames a raw body under <paramref name="header"/> (body ≤ 1023 bytes; use <see cref="EncodeSubpackaged"/> above that).</summary>
    public static byte[] EncodeFrame(in Jt808Header header, ReadOnlySpan<byte> body)
    {
        var buffer = new ArrayBufferWriter<byte>(Jt808Header.LengthOf(header.Version, header.IsSubpackaged) * 2 + body.Length * 2 + 4);
        EncodeFrame(header, body, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Frames a raw body into <paramref name="output"/>; returns the bytes written.</summary>
    public static int EncodeFrame(in Jt808Header header, ReadOnlySpan<byte> body, IBufferWriter<byte> output)
    {
        if (body.Length > MaxBodyLength)
        {
            throw new ArgumentException($"A body of {body.Length} bytes needs subpackaging (max {MaxBodyLength}).", nameof(body));
        }

        if (header.Encryption is < 0 or > 7)
        {
            throw new ArgumentException("Encryption is a 3-bit field.", nameof(header));
        }

        var headerLength = Jt808Header.LengthOf(header.Version, header.IsSubpackaged);
        var total = headerLength + body.Length + 1;
        var rented = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var content = rented.AsSpan(0, total);
            WriteHeader(header, body.Length, content);
            body.CopyTo(content[headerLength..]);
            content[^1] = Jt808Wire.Checksum(content[..^1]);
            return Jt808Wire.WriteEscapedFrame(content, output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Splits a long body into packages of at most <paramref name="maxPackageBody"/> bytes, serials counting up from
    /// <paramref name="header"/>.Serial. A body that fits one package is still sent as one package of total 1.
    /// </summary>
    public static IReadOnlyList<byte[]> EncodeSubpackaged(in Jt808Header header, ReadOnlySpan<byte> body, int maxPackageBody = MaxBodyLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPackageBody, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxPackageBody, MaxBodyLength);
        var count = Math.Max(1, (body.Length + maxPackageBody - 1) / maxPackageBody);
        if (count > ushort.MaxValue)
        {
            throw new ArgumentException("The body needs more than 65535 packages.", nameof(body));
        }

        var frames = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var part = body.Slice(i * maxPackageBody, Math.Min(maxPackageBody, body.Length - (i * maxPackageBody)));
            var packageHeader = header with
            {
                IsSubpackaged = true,
                PackageTotal = (ushort)count,
                PackageIndex = (ushort)(i + 1),
                Serial = unchecked((ushort)(header.Serial + i)),
            };
            frames[i] = EncodeFrame(packageHeader, part);
        }

        return frames;
    }

    /// <summary>0x8001 answering <paramref name="request"/> in its own layout (version, phone).</summary>
    public static byte[] PlatformGeneralResponse(in Jt808Header request, ushort serial, Jt808ResponseResult result = Jt808ResponseResult.Success) =>
        Encode(
            Jt808Header.ReplyTo(request, Jt808MessageIds.PlatformGeneralResponse, serial),
            new Jt808PlatformGeneralResponse(request.Serial, request.MessageId, result));

    internal static void WriteHeader(in Jt808Header header, int bodyLength, Span<byte> destination)
    {
        var is2019 = header.Version == Jt808Version.V2019;
        var attributes = bodyLength | (header.Encryption << 10);
        if (header.IsSubpackaged)
        {
            attributes |= 0x2000;
        }

        if (is2019 || header.VersionFlag)
        {
            attributes |= 0x4000; // a 2013 header with the flag reproduces the device quirk of jt808.md §12 item 1
        }

        if (header.ReservedBit15)
        {
            attributes |= 0x8000;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, header.MessageId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)attributes);
        var phone = header.Phone.ForVersion(header.Version);
        var o = 4;
        if (is2019)
        {
            destination[o++] = header.ProtocolVersion;
        }

        phone.WriteTo(destination[o..]);
        o += phone.ByteLength;
        BinaryPrimitives.WriteUInt16BigEndian(destination[o..], header.Serial);
        if (header.IsSubpackaged)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[(o + 2)..], header.PackageTotal);
            BinaryPrimitives.WriteUInt16BigEndian(destination[(o + 4)..], header.PackageIndex);
        }
    }

    private static Jt808BodyWriter RentWriter()
    {
        var writer = t_writer ??= new Jt808BodyWriter(1024);
        writer.Reset();
        return writer;
    }
}

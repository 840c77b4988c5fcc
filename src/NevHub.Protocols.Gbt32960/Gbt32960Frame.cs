using System.Buffers;
using System.Buffers.Binary;

namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// One delimited and checked frame: the header fields plus a slice of the input (no copy, no allocation).
/// Wire layout (big-endian throughout): start[2] command flag id[17] encryption length(WORD) data[L] bcc.
/// The slice is only valid while the buffer it came from is (for a pipe: until <c>AdvanceTo</c>).
/// </summary>
public readonly struct Gbt32960Frame
{
    /// <summary>Bytes before the data unit.</summary>
    public const int HeaderSize = 24;

    /// <summary>Header plus the BCC byte: a frame is 25 + L bytes.</summary>
    public const int Overhead = 25;

    private readonly Gbt32960Vin _vin;

    internal Gbt32960Frame(ReadOnlySpan<byte> header, ReadOnlySequence<byte> raw)
    {
        Version = (Gbt32960Version)header[0];
        CommandId = header[2];
        ResponseFlagId = header[3];
        _vin = Gbt32960Vin.FromBytes(header.Slice(4, Gbt32960Vin.Length));
        EncryptionId = header[21];
        DataLength = BinaryPrimitives.ReadUInt16BigEndian(header[22..]);
        Raw = raw;
    }

    public Gbt32960Version Version { get; }

    /// <summary>The command byte (offset 2).</summary>
    public byte CommandId { get; }

    public Gbt32960Command Command => (Gbt32960Command)CommandId;

    /// <summary>The response flag byte (offset 3).</summary>
    public byte ResponseFlagId { get; }

    public Gbt32960ResponseFlag ResponseFlag => (Gbt32960ResponseFlag)ResponseFlagId;

    /// <summary>True when the frame is an answer (flag ≠ 0xFE).</summary>
    public bool IsAnswer => ResponseFlagId != (byte)Gbt32960ResponseFlag.Command;

    /// <summary>The 17-byte id field, inline (no allocation).</summary>
    public Gbt32960Vin Vin => _vin;

    /// <summary>The encryption byte (offset 21).</summary>
    public byte EncryptionId { get; }

    public Gbt32960Encryption Encryption => (Gbt32960Encryption)EncryptionId;

    /// <summary>True when the data unit is ciphertext (encryption byte other than 0x01).</summary>
    public bool IsEncrypted => EncryptionId != (byte)Gbt32960Encryption.None;

    /// <summary>The declared data-unit length L.</summary>
    public int DataLength { get; }

    /// <summary>The whole frame, start symbol to BCC.</summary>
    public ReadOnlySequence<byte> Raw { get; }

    /// <summary>The data unit (L bytes after the header).</summary>
    public ReadOnlySequence<byte> DataUnit => Raw.Slice(HeaderSize, DataLength);

    /// <summary>The checksum byte (already verified).</summary>
    public byte Bcc
    {
        get
        {
            var last = Raw.Slice(HeaderSize + DataLength, 1);
            return last.FirstSpan[0];
        }
    }

    /// <summary>Total size: 25 + L.</summary>
    public int Length => Overhead + DataLength;

    /// <summary>The id as text without padding (allocates).</summary>
    public string GetVin() => _vin.ToString();

    /// <summary>Copies the whole frame into a new array (for archiving).</summary>
    public byte[] ToArray() => Raw.ToArray();
}

using System.Buffers;

namespace NevHub.Protocols.Gbt32960.Tests;

public class BadFrameTests
{
    private const string Vehicle2016 = "01 01 03 01 0032 0000023d 1b58 2710 32 01 0e 1234 00 00";
    private const string Vehicle2025 = "01 01 03 01 0032 0000023d 1b58 2710 32 01 0e 1234";

    public static TheoryData<string, byte[], Gbt32960ErrorReason> BadDataUnits => new()
    {
        { "login truncated inside the ICCID", Frames.V2016(0x01, Frames.Time + "0001 3839"), Gbt32960ErrorReason.Truncated },
        { "login codes shorter than n*m", Frames.V2016(0x01, Frames.Time + "0001" + new string('3', 40) + "02 05 3130303031"), Gbt32960ErrorReason.Truncated },
        { "logout with an extra byte", Frames.V2016(0x04, Frames.Time + "0046 00"), Gbt32960ErrorReason.TrailingData },
        { "heartbeat with a data unit", Frames.V2016(0x07, "00"), Gbt32960ErrorReason.TrailingData },
        { "month 13", Frames.V2016(0x04, "180d0e121213 0046"), Gbt32960ErrorReason.InvalidTime },
        { "hour 24", Frames.V2016(0x04, "18050e181213 0046"), Gbt32960ErrorReason.InvalidTime },
        { "30 February", Frames.V2016(0x04, "18021e121213 0046"), Gbt32960ErrorReason.InvalidTime },
        { "2016 type 0x0A", Frames.V2016(0x02, Frames.Time + "0a 00"), Gbt32960ErrorReason.UnknownInformationType },
        { "2016 type 0x00", Frames.V2016(0x02, Frames.Time + Vehicle2016 + "00"), Gbt32960ErrorReason.UnknownInformationType },
        { "2016 type 0xFF", Frames.V2016(0x02, Frames.Time + "ff 0000"), Gbt32960ErrorReason.UnknownInformationType },
        { "2025 type 0x09", Frames.V2025(0x02, Frames.Time + "09 0000" + Frames.Signature), Gbt32960ErrorReason.UnknownInformationType },
        { "2025 type 0x33", Frames.V2025(0x02, Frames.Time + "33" + Frames.Signature), Gbt32960ErrorReason.UnknownInformationType },
        { "2025 extremes type 0x06 is an alarm and overruns", Frames.V2025(0x02, Frames.Time + "06 00"), Gbt32960ErrorReason.BlockOverrun },
        { "custom length past the end", Frames.V2016(0x02, Frames.Time + "80 0005 0102"), Gbt32960ErrorReason.CustomBlockOverrun },
        { "vehicle block cut short", Frames.V2016(0x02, Frames.Time + "01 0101030100"), Gbt32960ErrorReason.BlockOverrun },
        { "motor count larger than the records", Frames.V2016(0x02, Frames.Time + "02 02 01010203040506070809101112"), Gbt32960ErrorReason.BlockOverrun },
        { "cell list longer than the data", Frames.V2016(0x02, Frames.Time + "08 01 01 1b58 2710 00c8 0001 05 0d05"), Gbt32960ErrorReason.BlockOverrun },
        { "probe count larger than the data", Frames.V2025(0x02, Frames.Time + "08 01 01 0100 28"), Gbt32960ErrorReason.BlockOverrun },
        { "fault list longer than the data", Frames.V2016(0x02, Frames.Time + "07 00 00000000 02 00000001"), Gbt32960ErrorReason.BlockOverrun },
        { "bytes after the signature", Frames.V2025(0x02, Frames.Time + Vehicle2025 + Frames.Signature + "00"), Gbt32960ErrorReason.TrailingData },
        { "2025 report without a signature", Frames.V2025(0x02, Frames.Time + Vehicle2025), Gbt32960ErrorReason.MissingSignature },
        { "report without blocks", Frames.V2016(0x03, Frames.Time), Gbt32960ErrorReason.EmptyReport },
        { "reserved parameter 0x11", Frames.V2016(0x81, Frames.Time + "01 11 00"), Gbt32960ErrorReason.UnknownParameter },
        { "domain name without its length", Frames.V2016(0x81, Frames.Time + "01 05 41"), Gbt32960ErrorReason.UnknownParameter },
        { "user-defined parameter without a configured length", Frames.V2025(0x81, Frames.Time + "01 80 00"), Gbt32960ErrorReason.UnknownParameter },
        { "2016 parameter 0x02 is a WORD", Frames.V2016(0x81, Frames.Time + "01 02 0a"), Gbt32960ErrorReason.Truncated },
        { "2025 parameter 0x02 is a BYTE", Frames.V2025(0x81, Frames.Time + "01 02 000a"), Gbt32960ErrorReason.TrailingData },
        { "2016 command 0x09 is reserved", Frames.V2016(0x09, Frames.Time), Gbt32960ErrorReason.UnknownCommand },
        { "2025 command 0x0C is reserved", Frames.V2025(0x0C, Frames.Time), Gbt32960ErrorReason.UnknownCommand },
        { "2025 activation signature cut", Frames.V2025(0x09, Frames.Time + "31323334353637383132333435363738 0000" + "4c" + new string('0', 32) + "02 0004 0102"), Gbt32960ErrorReason.Truncated },
        { "answer shorter than a time", Frames.V2016(0x04, "1805", flag: 0x01), Gbt32960ErrorReason.Truncated },
        { "query answer with a bad parameter", Frames.V2016(0x80, Frames.Time + "01 12 00", flag: 0x01), Gbt32960ErrorReason.UnknownParameter },
    };

    [Theory]
    [MemberData(nameof(BadDataUnits))]
    public void A_bad_data_unit_is_rejected_with_its_reason(string because, byte[] frame, Gbt32960ErrorReason reason)
    {
        var framer = new Gbt32960Framer();
        Assert.True(framer.TryValidate(frame, out _), because);
        var error = Assert.Throws<Gbt32960FormatException>(() => new Gbt32960Decoder().DecodeFrame(frame));
        Assert.True(reason == error.Reason, $"{because}: expected {reason}, got {error.Reason} ({error.Message})");
        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    public static TheoryData<string, byte[], Gbt32960ErrorReason> BadFrames
    {
        get
        {
            var good = Vectors.Named("realtime_2016_all_blocks_custom80").Bytes;
            return new()
            {
                { "bad BCC", [.. good[..^1], (byte)(good[^1] ^ 0x55)], Gbt32960ErrorReason.BadBcc },
                { "a flipped data byte", Flip(good, 100), Gbt32960ErrorReason.BadBcc },
                { "a flipped header byte", Flip(good, 5), Gbt32960ErrorReason.BadBcc },
                { "garbage first", [0x00, .. good], Gbt32960ErrorReason.GarbageBeforeStart },
                { "mixed start symbol", [0x23, 0x24, .. good[2..]], Gbt32960ErrorReason.GarbageBeforeStart },
                { "length 65535", [.. good[..22], 0xFF, 0xFF, .. good[24..]], Gbt32960ErrorReason.DataLengthTooLarge },
            };
        }
    }

    [Theory]
    [MemberData(nameof(BadFrames))]
    public void A_bad_frame_is_rejected_by_the_stream_framer_with_its_reason(string because, byte[] frame, Gbt32960ErrorReason reason)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        var error = Assert.Throws<Gbt32960FormatException>(() => new Gbt32960Framer().TryRead(ref buffer, out _));
        Assert.True(reason == error.Reason, $"{because}: expected {reason}, got {error.Reason} ({error.Message})");
    }

    [Fact]
    public void A_signature_rejected_by_the_verifier_fails_the_report_and_the_signed_range_is_passed()
    {
        var v = Vectors.Named("realtime_2025_full_signed");
        var verifier = new RecordingVerifier(SignatureCheck.Invalid);
        var decoder = new Gbt32960Decoder(new Gbt32960Options { SignatureVerifier = verifier });
        var error = Assert.Throws<Gbt32960FormatException>(() => decoder.DecodeFrame(v.Bytes));
        Assert.Equal(Gbt32960ErrorReason.SignatureInvalid, error.Reason);
        Assert.Equal(541, verifier.SignedLength);
        Assert.Equal(v.Bytes.AsSpan(24, 6).ToArray(), verifier.FirstBytes);

        var accepting = new Gbt32960Decoder(new Gbt32960Options { SignatureVerifier = new RecordingVerifier(SignatureCheck.NoKey) });
        Assert.IsType<ReportBody>(accepting.DecodeFrame(v.Bytes).Body);
    }

    [Fact]
    public void A_2025_report_without_a_signature_is_accepted_when_the_option_allows_it()
    {
        var frame = Frames.V2025(0x02, Frames.Time + Vehicle2025);
        var decoder = new Gbt32960Decoder(new Gbt32960Options { RequireSignature = false });
        var report = Assert.IsType<ReportBody>(decoder.DecodeFrame(frame).Body);
        Assert.Null(report.Signature);
        Assert.Equal(-3000 + 1000.0, report.Find<VehicleBlock>()!.CurrentA.Value!.Value, 6);
    }

    [Fact]
    public void A_decryptor_is_called_for_encrypted_data_units_and_its_failure_is_typed()
    {
        var v = Vectors.Named("login_2016_aes_encrypted");
        var failing = new Gbt32960Decoder(new Gbt32960Options { Decryptor = new FakeDecryptor(null) });
        Assert.Equal(Gbt32960ErrorReason.DecryptionFailed, Assert.Throws<Gbt32960FormatException>(() => failing.DecodeFrame(v.Bytes)).Reason);

        var plain = Convert.FromHexString("130116173738" + "0001" + "3132333435363738393938373635343332313030" + "0304" + "313233343435363739383730");
        var decoding = new Gbt32960Decoder(new Gbt32960Options { Decryptor = new FakeDecryptor(plain) });
        var login = Assert.IsType<VehicleLoginBody>(decoding.DecodeFrame(v.Bytes).Body);
        Assert.Equal(["1234", "4567", "9870"], login.Codes);

        var noKey = new Gbt32960Decoder(new Gbt32960Options { Decryptor = new FakeDecryptor([]) { NoKey = true } });
        Assert.IsType<EncryptedBody>(noKey.DecodeFrame(v.Bytes).Body);
    }

    private static byte[] Flip(byte[] frame, int index)
    {
        var copy = frame.ToArray();
        copy[index] ^= 0x40;
        return copy;
    }

    private sealed class RecordingVerifier(SignatureCheck result) : ISignatureVerifier
    {
        public int SignedLength { get; private set; }

        public byte[] FirstBytes { get; private set; } = [];

        public SignatureCheck Verify(Gbt32960Vin vin, Gbt32960Command command, ReadOnlySpan<byte> signedData, Gbt32960Signature signature)
        {
            SignedLength = signedData.Length;
            FirstBytes = signedData[..6].ToArray();
            return result;
        }
    }

    private sealed class FakeDecryptor(byte[]? plaintext) : IDataUnitDecryptor
    {
        public bool NoKey { get; init; }

        public bool TryDecrypt(
            Gbt32960Version version, Gbt32960Vin vin, Gbt32960Encryption algorithm, ReadOnlySpan<byte> ciphertext, out byte[] result, out bool failed)
        {
            result = plaintext ?? [];
            failed = plaintext is null;
            return !NoKey && !failed;
        }
    }
}

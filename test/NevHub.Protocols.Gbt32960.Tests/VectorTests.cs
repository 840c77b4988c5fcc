using System.Buffers;
using System.Text.Json;

namespace NevHub.Protocols.Gbt32960.Tests;

public class VectorTests
{
    private readonly Gbt32960Framer _framer = new();
    private readonly Gbt32960Decoder _decoder = new();

    [Fact]
    public void The_shared_vectors_are_all_loaded()
    {
        Assert.Equal(30, Vectors.All.Count);
        Assert.Equal(25, Vectors.ValidOnes.Count());
    }

    public static TheoryData<string> ValidNames => Vectors.Names(valid: true);

    public static TheoryData<string> InvalidNames => Vectors.Names(valid: false);

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void A_valid_vector_decodes_to_the_expected_values(string name)
    {
        var v = Vectors.Named(name);
        var frame = _framer.ReadFrame(v.Bytes);
        var message = _decoder.Decode(frame);
        var json = Gbt32960Json.Render(frame, message);
        using var doc = JsonDocument.Parse(json);
        JsonAssert.Contains(v.Expect, doc.RootElement);
        Assert.Equal(v.Version, doc.RootElement.GetProperty("version").GetInt32());
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void A_valid_vector_re_encodes_to_the_same_bytes(string name)
    {
        var v = Vectors.Named(name);
        var message = _decoder.DecodeFrame(v.Bytes);
        Assert.Equal(Convert.ToHexString(v.Bytes), Convert.ToHexString(Gbt32960Encoder.Encode(message)));
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void An_invalid_vector_fails_with_the_expected_reason_and_renders_its_header(string name)
    {
        var v = Vectors.Named(name);
        var error = Assert.Throws<Gbt32960FormatException>(() => _decoder.DecodeFrame(v.Bytes));
        Assert.Equal(v.ErrorKind, error.Kind);
        using var doc = JsonDocument.Parse(Gbt32960Json.RenderError(v.Bytes, error));
        JsonAssert.Contains(v.Expect, doc.RootElement);
        Assert.Equal(v.ErrorKind, doc.RootElement.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public void The_truncated_vector_is_a_length_mismatch_as_a_whole_frame_but_incomplete_in_a_stream()
    {
        var v = Vectors.Named("realtime_2016_truncated_length_mismatch");
        Assert.False(_framer.TryValidate(v.Bytes, out var reason));
        Assert.Equal(Gbt32960ErrorReason.LengthMismatch, reason);
        var buffer = new ReadOnlySequence<byte>(v.Bytes);
        Assert.False(_framer.TryRead(ref buffer, out _));
        Assert.Equal(v.Bytes.Length, buffer.Length);
    }

    [Fact]
    public void The_bad_bcc_vector_fails_in_the_stream_framer_too()
    {
        var v = Vectors.Named("realtime_2025_bad_bcc");
        var buffer = new ReadOnlySequence<byte>(v.Bytes);
        var error = Assert.Throws<Gbt32960FormatException>(() => _framer.TryRead(ref buffer, out _));
        Assert.Equal(Gbt32960ErrorReason.BadBcc, error.Reason);
        Assert.Contains("0xE7", error.Message, StringComparison.Ordinal);
        Assert.Contains("0x1C", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Signed_2025_reports_expose_the_signed_range()
    {
        var v = Vectors.Named("realtime_2025_full_signed");
        var frame = _framer.ReadFrame(v.Bytes);
        var report = Assert.IsType<ReportBody>(_decoder.Decode(frame).Body);
        Assert.Equal(541, report.SignedLength);
        Assert.Equal(0xFF, frame.DataUnit.Slice(report.SignedLength, 1).FirstSpan[0]);
        Assert.Equal(Gbt32960Signature.Rsa, report.Signature!.Algorithm);
        Assert.Equal(256, report.Signature.R.Length);
    }

    [Fact]
    public void A_split_cell_report_keeps_the_first_index_and_total()
    {
        var v = Vectors.Named("realtime_2016_split_cells_extremes_over_250");
        var report = (ReportBody)_decoder.DecodeFrame(v.Bytes).Body;
        var pack = report.Find<CellVoltagesBlock>()!.Packs.Items[0];
        Assert.Equal(201, pack.FirstIndex);
        Assert.Equal(384, pack.TotalCells);
        Assert.Equal(184, pack.Cells.Count);
        var extremes = report.Find<ExtremesBlock>()!;
        Assert.Equal(Validity.Invalid, extremes.MaxCellVoltageV.Validity);
        Assert.Null(extremes.MaxCellVoltageV.Value);
    }

    [Fact]
    public void Sentinels_are_explicit_in_the_model()
    {
        var report = (ReportBody)_decoder.DecodeFrame(Vectors.Named("realtime_2016_vehicle_all_ff").Bytes).Body;
        var vehicle = report.Find<VehicleBlock>()!;
        Assert.Equal(Validity.Invalid, vehicle.VoltageV.Validity);
        Assert.Null(vehicle.VoltageV.Value);
        Assert.Equal(0xFFFF, (int)vehicle.VoltageV.Raw);

        var motors = ((ReportBody)_decoder.DecodeFrame(Vectors.Named("realtime_2016_motors_invalid_and_abnormal").Bytes).Body)
            .Find<DriveMotorsBlock>()!.Motors.Items;
        Assert.Equal(Validity.Abnormal, motors[1].TemperatureC.Validity);
        Assert.Equal(45278, motors[1].SpeedRpm.Value);
    }

    [Fact]
    public void The_vehicle_id_is_available_without_allocating_and_as_text()
    {
        var frame = _framer.ReadFrame(Vectors.Named("login_2016_aes_encrypted").Bytes);
        Assert.Equal("123456789", frame.GetVin());
        Assert.Equal(17, frame.Vin.AsSpan().Length);
        Assert.Equal(9, frame.Vin.Trimmed().Length);
        Assert.Equal(Gbt32960Vin.Parse("123456789"), frame.Vin);
        var body = Assert.IsType<EncryptedBody>(_decoder.Decode(frame).Body);
        Assert.Equal(Gbt32960Encryption.Aes128, body.Algorithm);
        Assert.Equal(48, body.Ciphertext.Length);
    }
}

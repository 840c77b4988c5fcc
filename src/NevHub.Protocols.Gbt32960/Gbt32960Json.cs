using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace NevHub.Protocols.Gbt32960;

/// <summary>
/// Renders decoded frames as JSON in the neutral schema of the test vectors (documented in docs/protocols/gbt32960-json.md),
/// plus the full lists. Writes to a <see cref="Utf8JsonWriter"/>; no I/O.
/// </summary>
public static class Gbt32960Json
{
    /// <summary>Writer options used by the Render methods: relaxed escaping (so "+08:00" stays readable), optional indentation.</summary>
    public static JsonWriterOptions Options(bool indented) =>
        new() { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Renders a decoded frame to a string (one line, or indented).</summary>
    public static string Render(in Gbt32960Frame frame, Gbt32960Message message, bool indented = false)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Options(indented)))
        {
            Write(writer, frame, message);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Renders a message that did not come from a frame (data_length and bcc are computed by encoding it).</summary>
    public static string Render(Gbt32960Message message, bool indented = false)
    {
        var bytes = Gbt32960Encoder.Encode(message);
        var frame = new Gbt32960Framer().ReadFrame(bytes);
        return Render(frame, message, indented);
    }

    /// <summary>Renders the error object for bytes that failed to frame or decode: <c>{"error": {kind, detail, offset}, ...header}</c>.</summary>
    public static string RenderError(ReadOnlySpan<byte> bytes, Gbt32960FormatException error, bool indented = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options(indented)))
        {
            WriteError(writer, bytes, error);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes one decoded frame as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, in Gbt32960Frame frame, Gbt32960Message message)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(message);
        writer.WriteStartObject();
        WriteHeader(writer, message.Version, (byte)message.Command, (byte)message.ResponseFlag, message.Vin, (byte)message.Encryption, frame.DataLength);
        writer.WriteString("bcc", Hex8(frame.Bcc));
        if (message.Body.Timestamp is { } ts)
        {
            writer.WriteString("timestamp", Time(ts));
        }
        else
        {
            writer.WriteNull("timestamp");
        }

        WriteBody(writer, message);
        writer.WriteEndObject();
    }

    /// <summary>Writes an error object with the header fields that can be read from <paramref name="bytes"/>.</summary>
    public static void WriteError(Utf8JsonWriter writer, ReadOnlySpan<byte> bytes, Gbt32960FormatException error)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(error);
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("kind", error.Kind);
        writer.WriteString("detail", error.Message);
        if (error.Offset >= 0)
        {
            writer.WriteNumber("offset", error.Offset);
        }

        if (error.Reason == Gbt32960ErrorReason.GarbageBeforeStart)
        {
            writer.WriteNumber("garbage_length", error.GarbageLength);
        }

        writer.WriteEndObject();
        if (bytes.Length >= Gbt32960Frame.HeaderSize && (bytes[0] == 0x23 || bytes[0] == 0x24) && bytes[1] == bytes[0])
        {
            WriteHeader(
                writer,
                (Gbt32960Version)bytes[0],
                bytes[2],
                bytes[3],
                Gbt32960Vin.FromBytes(bytes.Slice(4, Gbt32960Vin.Length)),
                bytes[21],
                BinaryPrimitives.ReadUInt16BigEndian(bytes[22..]));
        }

        writer.WriteEndObject();
    }

    private static void WriteHeader(Utf8JsonWriter w, Gbt32960Version version, byte command, byte flag, Gbt32960Vin vin, byte encryption, int length)
    {
        var is2016 = version == Gbt32960Version.V2016;
        w.WriteNumber("version", is2016 ? 2016 : 2025);
        w.WriteString("command", CommandName(command, is2016));
        w.WriteString("command_id", Hex8(command));
        w.WriteString("response_flag", FlagName(flag, is2016));
        w.WriteString("response_flag_id", Hex8(flag));
        w.WriteString("vin", vin.ToString());
        w.WriteString("encryption", EncryptionName(encryption, is2016));
        w.WriteNumber("data_length", length);
    }

    /// <summary>Snake_case command name ("undefined:0xNN" for reserved ids).</summary>
    public static string CommandName(byte command, bool is2016) => command switch
    {
        0x01 => "vehicle_login",
        0x02 => "realtime_report",
        0x03 => "reissue_report",
        0x04 => "vehicle_logout",
        0x05 => "platform_login",
        0x06 => "platform_logout",
        0x07 => "heartbeat",
        0x08 => "time_sync",
        0x09 when !is2016 => "activation",
        0x0A when !is2016 => "activation_response",
        0x0B when !is2016 => "key_exchange",
        0x80 => "query_params",
        0x81 => "set_params",
        0x82 => "terminal_control",
        >= 0xC0 and <= 0xFE => "platform_custom:" + Hex8(command),
        _ => "undefined:" + Hex8(command),
    };

    private static string FlagName(byte flag, bool is2016) => flag switch
    {
        0xFE => "command",
        0x01 => "success",
        0x02 => "error",
        0x03 => "vin_duplicate",
        0x04 when !is2016 => "vin_not_found",
        0x05 when !is2016 => "signature_error",
        0x06 when !is2016 => "structure_error",
        0x07 when !is2016 => "decryption_error",
        _ => "undefined:" + Hex8(flag),
    };

    private static string EncryptionName(byte e, bool is2016) => e switch
    {
        0x01 => "none",
        0x02 => "rsa",
        0x03 => "aes128",
        0x04 when !is2016 => "sm2",
        0x05 when !is2016 => "sm4",
        0xFE => "abnormal",
        0xFF => "invalid",
        _ => "undefined:" + Hex8(e),
    };

    private static void WriteBody(Utf8JsonWriter w, Gbt32960Message message)
    {
        var is2016 = message.Version == Gbt32960Version.V2016;
        switch (message.Body)
        {
            case EmptyBody:
                return;
            case AcknowledgementBody a:
                if (a.Echo.Length > 0)
                {
                    w.WriteStartObject("body");
                    w.WriteNumber("echo_length", a.Echo.Length);
                    w.WriteString("echo_hex", Hex(a.Echo));
                    w.WriteEndObject();
                }

                return;
            case ReportBody report:
                WriteBlocks(w, report, is2016);
                return;
        }

        w.WriteStartObject("body");
        switch (message.Body)
        {
            case EncryptedBody e:
                w.WriteBoolean("encrypted", true);
                w.WriteNumber("ciphertext_length", e.Ciphertext.Length);
                w.WriteString("ciphertext_hex", Hex(e.Ciphertext));
                break;
            case RawBody raw:
                w.WriteNumber("data_length", raw.Data.Length);
                w.WriteString("data_hex", Hex(raw.Data));
                break;
            case VehicleLoginBody login:
                w.WriteNumber("serial", login.Serial);
                w.WriteString("iccid", TextField.Display(login.Iccid));
                if (is2016)
                {
                    CountOrSentinel(w, "pack_system_count", login.SubsystemCount, 1);
                    CountOrSentinel(w, "pack_code_length", login.CodeLength, 1);
                    w.WriteStartArray("pack_codes");
                    foreach (var code in login.Codes)
                    {
                        w.WriteStringValue(TextField.Display(code));
                    }

                    w.WriteEndArray();
                }
                else
                {
                    CountOf(w, "bms_count", login.PacksPerBms.CountValidity, login.PacksPerBms.Count);
                    w.WriteStartArray("packs_per_bms");
                    foreach (var m in login.PacksPerBms.Items)
                    {
                        ByteValue(w, m);
                    }

                    w.WriteEndArray();
                    w.WriteStartArray("pack_codes");
                    foreach (var bms in login.PackCodes)
                    {
                        w.WriteStartArray();
                        foreach (var code in bms)
                        {
                            w.WriteStringValue(TextField.Display(code));
                        }

                        w.WriteEndArray();
                    }

                    w.WriteEndArray();
                }

                break;
            case LogoutBody logout:
                w.WriteNumber("serial", logout.Serial);
                break;
            case PlatformLoginBody p:
                w.WriteNumber("serial", p.Serial);
                w.WriteString("username", TextField.Display(p.Username));
                w.WriteString("password", TextField.Display(p.Password));
                w.WriteString("encryption", EncryptionName((byte)p.EncryptionRule, is2016));
                break;
            case ActivationBody act:
                w.WriteString("chip_id", TextField.Display(act.ChipId));
                w.WriteNumber("public_key_length", act.PublicKey.Length);
                w.WriteString("public_key_hex", Hex(act.PublicKey));
                w.WriteString("vin", TextField.Display(act.Vin));
                w.WritePropertyName("signature");
                WriteSignature(w, act.Signature, act.SignedLength, false);
                break;
            case ActivationResponseBody ar:
                w.WriteString("result", ar.Status switch { 0x01 => "success", 0x02 => "failure", _ => Undefined(ar.Status) });
                w.WriteNumber("info_code", ar.Info);
                w.WriteString(
                    "info",
                    ar.Info switch { 0x00 => "activated", 0x01 => "chip_already_activated", 0x02 => "vin_duplicate", _ => Undefined(ar.Info) });
                break;
            case KeyExchangeBody k:
                w.WriteString("key_type", EncryptionName((byte)k.KeyType, is2016));
                w.WriteNumber("key_length", k.Key.Length);
                w.WriteString("key_hex", Hex(k.Key));
                w.WriteString("valid_from", Time(k.ValidFrom));
                w.WriteString("valid_until", Time(k.ValidUntil));
                break;
            case ParameterQueryBody q:
                CountOf(w, "count", q.Ids.CountValidity, q.Ids.Count);
                w.WriteStartArray("ids");
                foreach (var id in q.Ids.Items)
                {
                    w.WriteStringValue(Hex8(id));
                }

                w.WriteEndArray();
                break;
            case ParameterListBody list:
                CountOf(w, "count", list.Parameters.CountValidity, list.Parameters.Count);
                w.WriteStartArray("params");
                foreach (var p in list.Parameters.Items)
                {
                    WriteParameter(w, p, is2016);
                }

                w.WriteEndArray();
                break;
            case TerminalControlBody c:
                WriteControl(w, c);
                break;
        }

        w.WriteEndObject();
    }

    private static void WriteParameter(Utf8JsonWriter w, Gbt32960Parameter p, bool is2016)
    {
        w.WriteStartObject();
        w.WriteString("id", Hex8(p.Id));
        var name = p.Id switch
        {
            0x01 => "local_storage_period_ms",
            0x02 => "report_period_s",
            0x03 => is2016 ? "alarm_report_period_ms" : "alarm_report_period_s",
            0x04 => "platform_domain_length",
            0x05 => "platform_domain",
            0x06 => "platform_port",
            0x07 => "hardware_version",
            0x08 => "firmware_version",
            0x09 => "heartbeat_period_s",
            0x0A => "terminal_answer_timeout_s",
            0x0B => "platform_answer_timeout_s",
            0x0C => "login_retry_wait_min",
            0x0D => "public_domain_length",
            0x0E => "public_domain",
            0x0F => "public_port",
            0x10 => "sampling_monitoring",
            _ => "user_defined",
        };
        w.WriteString("name", name);
        if (p.Id is 0x05 or 0x07 or 0x08 or 0x0E)
        {
            w.WriteString("value", TextField.Display(p.Text));
        }
        else if (p.Id >= 0x80)
        {
            w.WriteString("value_hex", Hex(p.Bytes));
        }
        else
        {
            var width = p.Id is 0x04 or 0x09 or 0x0C or 0x0D or 0x10 || (!is2016 && p.Id is 0x02 or 0x03) ? 1 : 2;
            Number(w, "value", new Reading(p.Number, width, 1, 0));
        }

        w.WriteEndObject();
    }

    private static void WriteControl(Utf8JsonWriter w, TerminalControlBody c)
    {
        w.WriteString("command_id", Hex8(c.CommandId));
        w.WriteString(
            "command",
            c.CommandId switch
            {
                0x01 => "remote_upgrade",
                0x02 => "shutdown",
                0x03 => "reset",
                0x04 => "factory_reset",
                0x05 => "close_data_link",
                0x06 => "alarm",
                0x07 => "open_monitoring_link",
                >= 0x80 and <= 0xFE => "user_defined",
                _ => Undefined(c.CommandId),
            });
        w.WriteString("arguments_hex", Hex(c.Arguments));
        if (c.Upgrade is { } u)
        {
            w.WriteStartObject("upgrade");
            w.WriteString("form", u.TypedForm ? "typed" : "string");
            w.WriteString("url", u.Url);
            w.WriteString("apn", u.Apn);
            w.WriteString("user", u.User);
            w.WriteString("password", u.Password);
            w.WriteString("address", u.Address);
            w.WriteNumber("port", u.Port);
            w.WriteString("manufacturer_id", u.ManufacturerId);
            w.WriteString("hardware_version", u.HardwareVersion);
            w.WriteString("firmware_version", u.FirmwareVersion);
            w.WriteNumber("time_limit_min", u.TimeLimitMinutes);
            w.WriteEndObject();
        }

        if (c.AlarmLevel is { } level)
        {
            Number(w, "alarm_level", Reading.Byte(level));
            w.WriteString("alarm_info_hex", Hex(c.AlarmInfo.Span));
        }
    }

    private static void WriteSignature(Utf8JsonWriter w, Gbt32960Signature s, int signedLength, bool block)
    {
        w.WriteStartObject();
        if (block)
        {
            w.WriteString("type", "signature");
        }

        w.WriteString("algorithm", s.Algorithm switch { 0x01 => "sm2", 0x02 => "rsa", 0x03 => "ecc", _ => Undefined(s.Algorithm) });
        w.WriteNumber("r_length", s.R.Length);
        w.WriteNumber("s_length", s.S.Length);
        w.WriteNumber("signed_bytes", signedLength);
        w.WriteString("r_hex", Hex(s.R));
        w.WriteString("s_hex", Hex(s.S));
        w.WriteEndObject();
    }

    private static void WriteBlocks(Utf8JsonWriter w, ReportBody report, bool is2016)
    {
        w.WriteStartArray("blocks");
        foreach (var block in report.Blocks)
        {
            w.WriteStartObject();
            WriteBlock(w, block, is2016);
            w.WriteEndObject();
        }

        if (report.Signature is { } sig)
        {
            WriteSignature(w, sig, report.SignedLength, true);
        }

        w.WriteEndArray();
    }

    private static void WriteBlock(Utf8JsonWriter w, Gbt32960Block block, bool is2016)
    {
        switch (block)
        {
            case VehicleBlock b:
                w.WriteString("type", "vehicle");
                Enum(w, "state", b.VehicleState, "started", "off", "other");
                Enum(w, "charging", b.ChargingState, "parked_charging", "driving_charging", "not_charging", "charge_complete");
                Enum(w, "mode", b.RunMode, "ev", "hybrid", "fuel");
                Number(w, "speed_kmh", b.SpeedKmh);
                Number(w, "odometer_km", b.OdometerKm);
                Number(w, "voltage_v", b.VoltageV);
                Number(w, "current_a", b.CurrentA);
                Number(w, "soc_pct", b.SocPct);
                Enum(w, "dcdc", b.DcDcState, "working", "off");
                w.WriteStartObject("gear");
                w.WritePropertyName("gear");
                switch (b.GearPosition)
                {
                    case 0:
                        w.WriteStringValue("N");
                        break;
                    case 13:
                        w.WriteStringValue("R");
                        break;
                    case 14:
                        w.WriteStringValue("D");
                        break;
                    case 15:
                        w.WriteStringValue("P");
                        break;
                    default:
                        w.WriteNumberValue(b.GearPosition);
                        break;
                }

                w.WriteBoolean("driving_force", b.DrivingForce);
                w.WriteBoolean("braking_force", b.BrakingForce);
                w.WriteString("raw", Hex8(b.Gear));
                if (!is2016)
                {
                    w.WriteBoolean("valid", b.GearValid);
                }

                w.WriteEndObject();
                Number(w, "insulation_kohm", b.InsulationKohm);
                if (is2016)
                {
                    Number(w, "accel_pct", b.AcceleratorPct);
                    if (b.BrakeApplied)
                    {
                        w.WriteString("brake_pct", "applied");
                    }
                    else
                    {
                        Number(w, "brake_pct", b.BrakePct);
                    }
                }

                break;
            case DriveMotorsBlock b:
                w.WriteString("type", "motors");
                CountOf(w, "count", b.Motors.CountValidity, b.Motors.Count);
                w.WriteStartArray("motors");
                foreach (var m in b.Motors.Items)
                {
                    w.WriteStartObject();
                    ByteField(w, "no", m.Number);
                    Enum(w, "state", m.State, "consuming", "generating", "off", "ready");
                    Number(w, "ctrl_temp_c", m.ControllerTemperatureC);
                    Number(w, "speed_rpm", m.SpeedRpm);
                    Number(w, "torque_nm", m.TorqueNm);
                    Number(w, "temp_c", m.TemperatureC);
                    if (is2016)
                    {
                        Number(w, "ctrl_voltage_v", m.ControllerVoltageV);
                        Number(w, "ctrl_current_a", m.ControllerCurrentA);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                break;
            case FuelCellBlock b:
                w.WriteString("type", "fuel_cell");
                if (is2016)
                {
                    Number(w, "voltage_v", b.VoltageV);
                    Number(w, "current_a", b.CurrentA);
                    Number(w, "consumption_kg_100km", b.ConsumptionKgPer100Km);
                    CountOf(w, "probe_count", b.ProbeTemperatures.CountValidity, b.ProbeTemperatures.Count);
                    Temperatures(w, "probe_temps_c", b.ProbeTemperatures.Items);
                }

                Number(w, "h2_max_temp_c", b.H2MaxTemperatureC);
                ByteField(w, "h2_max_temp_probe", b.H2MaxTemperatureProbe);
                Number(w, is2016 ? "h2_max_conc_ppm" : "h2_max_conc_pct", b.H2MaxConcentrationValue);
                ByteField(w, "h2_max_conc_sensor", b.H2MaxConcentrationSensor);
                Number(w, "h2_max_pressure_mpa", b.H2MaxPressureMpa);
                ByteField(w, "h2_max_pressure_sensor", b.H2MaxPressureSensor);
                Enum(w, "hv_dcdc", b.HighVoltageDcDcState, "working", "off");
                if (!is2016)
                {
                    Number(w, "h2_remaining_pct", b.RemainingHydrogenPct);
                    Number(w, "dcdc_temp_c", b.DcDcTemperatureC);
                }

                break;
            case EngineBlock b:
                w.WriteString("type", "engine");
                if (is2016)
                {
                    Enum(w, "state", b.State, "on", "off");
                }

                Number(w, "crank_rpm", b.CrankshaftRpm);
                if (is2016)
                {
                    Number(w, "fuel_l_100km", b.FuelLPer100Km);
                }

                break;
            case PositionBlock b:
                w.WriteString("type", "position");
                w.WriteBoolean("valid", b.HasFix);
                w.WriteBoolean("south", b.South);
                w.WriteBoolean("west", b.West);
                w.WriteString("status_raw", Hex8(b.Status));
                if (!is2016)
                {
                    Enum(w, "coord_system", b.CoordinateSystem, "wgs84", "gcj02", "other");
                }

                Number(w, "lon", b.LongitudeDeg);
                Number(w, "lat", b.LatitudeDeg);
                break;
            case ExtremesBlock b:
                w.WriteString("type", "extremes");
                ByteField(w, "max_v_subsys", b.MaxVoltageSubsystem);
                ByteField(w, "max_v_cell", b.MaxVoltageCell);
                Number(w, "max_cell_v", b.MaxCellVoltageV);
                ByteField(w, "min_v_subsys", b.MinVoltageSubsystem);
                ByteField(w, "min_v_cell", b.MinVoltageCell);
                Number(w, "min_cell_v", b.MinCellVoltageV);
                ByteField(w, "max_t_subsys", b.MaxTemperatureSubsystem);
                ByteField(w, "max_t_probe", b.MaxTemperatureProbe);
                Number(w, "max_t_c", b.MaxTemperatureC);
                ByteField(w, "min_t_subsys", b.MinTemperatureSubsystem);
                ByteField(w, "min_t_probe", b.MinTemperatureProbe);
                Number(w, "min_t_c", b.MinTemperatureC);
                break;
            case AlarmBlock b:
                w.WriteString("type", "alarm");
                ByteField(w, "level", b.Level);
                w.WriteStartArray("flags");
                for (var bit = 0; bit < 32; bit++)
                {
                    if (b.IsSet(bit))
                    {
                        w.WriteNumberValue(bit);
                    }
                }

                w.WriteEndArray();
                w.WriteString("flags_raw", "0x" + b.Flags.ToString("X8", CultureInfo.InvariantCulture));
                Faults(w, "battery_faults", b.BatteryFaults);
                Faults(w, "motor_faults", b.MotorFaults);
                Faults(w, "engine_faults", b.EngineFaults);
                Faults(w, "other_faults", b.OtherFaults);
                if (!is2016)
                {
                    if (b.GeneralAlarmLevels.CountValidity != Validity.Valid)
                    {
                        w.WriteString("general_alarm_levels", SentinelName(b.GeneralAlarmLevels.CountValidity));
                    }
                    else
                    {
                        w.WriteStartArray("general_alarm_levels");
                        foreach (var l in b.GeneralAlarmLevels.Items)
                        {
                            w.WriteStartObject();
                            ByteField(w, "bit", l.Bit);
                            ByteField(w, "level", l.Level);
                            w.WriteEndObject();
                        }

                        w.WriteEndArray();
                    }
                }

                break;
            case CellVoltagesBlock b:
                w.WriteString("type", "cell_voltages");
                CountOf(w, "count", b.Packs.CountValidity, b.Packs.Count);
                w.WriteStartArray("packs");
                foreach (var p in b.Packs.Items)
                {
                    w.WriteStartObject();
                    ByteField(w, is2016 ? "subsys" : "pack", p.Number);
                    Number(w, "voltage_v", p.VoltageV);
                    Number(w, "current_a", p.CurrentA);
                    if (is2016)
                    {
                        Number(w, "total_cells", Reading.Word(p.TotalCells));
                        Number(w, "first_index", Reading.Word(p.FirstIndex));
                    }

                    CountOf(w, "count", p.Cells.CountValidity, p.Cells.Count);
                    Summary(w, p.Cells.Items, static v => Reading.Word(v, 0.001), "cells_v");
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                break;
            case TemperaturesBlock b:
                w.WriteString("type", "probe_temps");
                CountOf(w, "count", b.Packs.CountValidity, b.Packs.Count);
                w.WriteStartArray("packs");
                foreach (var p in b.Packs.Items)
                {
                    w.WriteStartObject();
                    ByteField(w, is2016 ? "subsys" : "pack", p.Number);
                    CountOf(w, "probe_count", p.Probes.CountValidity, p.Probes.Count);
                    Summary(w, p.Probes.Items, static v => Reading.Byte(v, 1, -40), "probes_c");
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                break;
            case FuelCellStacksBlock b:
                w.WriteString("type", "fuel_cell_stacks");
                CountOf(w, "count", b.Stacks.CountValidity, b.Stacks.Count);
                w.WriteStartArray("stacks");
                foreach (var s in b.Stacks.Items)
                {
                    w.WriteStartObject();
                    ByteField(w, "no", s.Number);
                    Number(w, "voltage_v", s.VoltageV);
                    Number(w, "current_a", s.CurrentA);
                    Number(w, "h2_inlet_pressure_kpa", s.HydrogenInletPressureKpa);
                    Number(w, "air_inlet_pressure_kpa", s.AirInletPressureKpa);
                    Number(w, "air_inlet_temp_c", s.AirInletTemperatureC);
                    CountOf(w, "coolant_probe_count", s.CoolantOutletTemperatures.CountValidity, s.CoolantOutletTemperatures.Count);
                    Temperatures(w, "coolant_temps_c", s.CoolantOutletTemperatures.Items);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                break;
            case SupercapacitorBlock b:
                w.WriteString("type", "supercapacitor");
                ByteField(w, "system_no", b.SystemNumber);
                Number(w, "voltage_v", b.VoltageV);
                Number(w, "current_a", b.CurrentA);
                CountOf(w, "cell_count", b.Cells.CountValidity, b.Cells.Count);
                Summary(w, b.Cells.Items, static v => Reading.Word(v, 0.001), "cells_v");
                CountOf(w, "probe_count", b.Probes.CountValidity, b.Probes.Count);
                Temperatures(w, "probes_c", b.Probes.Items);
                break;
            case SupercapacitorExtremesBlock b:
                w.WriteString("type", "supercapacitor_extremes");
                ByteField(w, "max_v_system", b.MaxVoltageSystem);
                Number(w, "max_v_cell", Reading.Word(b.MaxVoltageCell));
                Number(w, "max_v", b.MaxVoltageV);
                ByteField(w, "min_v_system", b.MinVoltageSystem);
                Number(w, "min_v_cell", Reading.Word(b.MinVoltageCell));
                Number(w, "min_v", b.MinVoltageV);
                ByteField(w, "max_t_system", b.MaxTemperatureSystem);
                Number(w, "max_t_probe", Reading.Word(b.MaxTemperatureProbe));
                Number(w, "max_t_c", b.MaxTemperatureC);
                ByteField(w, "min_t_system", b.MinTemperatureSystem);
                Number(w, "min_t_probe", Reading.Word(b.MinTemperatureProbe));
                Number(w, "min_t_c", b.MinTemperatureC);
                break;
            case CustomBlock b:
                w.WriteString("type", "custom");
                w.WriteString("type_id", Hex8(b.TypeId));
                w.WriteNumber("length", b.Data.Length);
                w.WriteString("data_hex", Hex(b.Data));
                break;
        }
    }

    private static void Summary<T>(Utf8JsonWriter w, T[] items, Func<T, Reading> reading, string fullName)
    {
        w.WriteStartArray("first3");
        for (var i = 0; i < Math.Min(3, items.Length); i++)
        {
            Value(w, reading(items[i]));
        }

        w.WriteEndArray();
        if (items.Length > 0)
        {
            w.WritePropertyName("last");
            Value(w, reading(items[^1]));
        }
        else
        {
            w.WriteNull("last");
        }

        w.WriteStartArray(fullName);
        foreach (var item in items)
        {
            Value(w, reading(item));
        }

        w.WriteEndArray();
    }

    private static void Temperatures(Utf8JsonWriter w, string name, byte[] raw)
    {
        w.WriteStartArray(name);
        foreach (var t in raw)
        {
            Value(w, Reading.Byte(t, 1, -40));
        }

        w.WriteEndArray();
    }

    private static void Faults(Utf8JsonWriter w, string name, Counted<uint> list)
    {
        if (list.CountValidity != Validity.Valid)
        {
            w.WriteString(name, SentinelName(list.CountValidity));
            return;
        }

        w.WriteStartArray(name);
        foreach (var code in list.Items)
        {
            w.WriteStringValue(code.ToString("X8", CultureInfo.InvariantCulture));
        }

        w.WriteEndArray();
    }

    private static void Enum(Utf8JsonWriter w, string name, byte raw, params string[] names)
    {
        var validity = Sentinel.Of(raw, 1);
        if (validity != Validity.Valid)
        {
            w.WriteString(name, SentinelName(validity));
        }
        else if (raw >= 1 && raw <= names.Length)
        {
            w.WriteString(name, names[raw - 1]);
        }
        else
        {
            w.WriteString(name, Undefined(raw));
        }
    }

    private static void ByteField(Utf8JsonWriter w, string name, byte raw) => Number(w, name, Reading.Byte(raw));

    private static void ByteValue(Utf8JsonWriter w, byte raw) => Value(w, Reading.Byte(raw));

    private static void CountOrSentinel(Utf8JsonWriter w, string name, uint raw, int width) => Number(w, name, new Reading(raw, width, 1, 0));

    private static void CountOf(Utf8JsonWriter w, string name, Validity validity, int count)
    {
        if (validity != Validity.Valid)
        {
            w.WriteString(name, SentinelName(validity));
        }
        else
        {
            w.WriteNumber(name, count);
        }
    }

    private static void Number(Utf8JsonWriter w, string name, Reading reading)
    {
        w.WritePropertyName(name);
        Value(w, reading);
    }

    private static void Value(Utf8JsonWriter w, Reading reading)
    {
        var validity = reading.Validity;
        if (validity != Validity.Valid)
        {
            w.WriteStringValue(SentinelName(validity));
            return;
        }

        if (reading.Scale == 1 && reading.Offset == Math.Floor(reading.Offset))
        {
            w.WriteNumberValue((long)reading.Raw + (long)reading.Offset);
            return;
        }

        var decimals = (int)Math.Ceiling(-Math.Log10(Math.Abs(reading.Scale)) - 1e-9);
        w.WriteNumberValue(Math.Round(reading.Value!.Value, Math.Clamp(decimals, 0, 15)));
    }

    private static string SentinelName(Validity validity) => validity == Validity.Invalid ? "invalid" : "abnormal";

    private static string Undefined(byte raw) => "undefined:" + Hex8(raw);

    private static string Hex8(byte value) => "0x" + value.ToString("X2", CultureInfo.InvariantCulture);

    private static string Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(data);

    private static string Time(DateTimeOffset time) =>
        time.ToOffset(Gbt32960Time.Offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
}

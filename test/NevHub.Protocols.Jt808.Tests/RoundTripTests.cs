namespace NevHub.Protocols.Jt808.Tests;

public class RoundTripTests
{
    [Theory]
    [MemberData(nameof(Vectors.ValidNames), MemberType = typeof(Vectors))]
    public void Re_encoding_a_decoded_vector_reproduces_it_byte_for_byte(string name)
    {
        // Every valid vector is canonical: NUL-padded fixed text, minimal escaping. See jt808.md for the general exceptions.
        var vector = Vectors.Named(name);
        var frame = Helpers.ReadOne(vector.Bytes);
        var message = Jt808Decoder.Default.Decode(frame);
        Assert.Equal(Convert.ToHexString(vector.Bytes), Convert.ToHexString(Jt808Encoder.Encode(message.Header, message.Body)));
        Assert.Equal(vector.Bytes, frame.ToWire());
    }

    [Fact]
    public void Seeded_random_messages_survive_encode_then_decode()
    {
        var random = new Random(20260101);
        for (var i = 0; i < 3000; i++)
        {
            var header = RandomHeader(random);
            var body = RandomBody(random, header.Version);
            var wire = Jt808Encoder.Encode(header, body);
            var frame = Helpers.ReadOne(wire);
            Assert.Equal(body.MessageId, frame.Header.MessageId);
            Assert.Equal(header.Phone.ForVersion(header.Version), frame.Header.Phone);
            Assert.Equal(header.Serial, frame.Header.Serial);
            Assert.Equal(header.Version, frame.Header.Version);
            Assert.Equal(header.ProtocolVersion, frame.Header.ProtocolVersion);

            var decoded = Jt808Decoder.Default.Decode(frame).Body;
            Assert.Equal(body.GetType(), decoded.GetType());
            AssertSame(body, decoded);
            Assert.Equal(wire, Jt808Encoder.Encode(frame.Header, decoded));
        }
    }

    [Fact]
    public void Location_engineering_values_cover_their_full_ranges()
    {
        var random = new Random(42);
        for (var i = 0; i < 2000; i++)
        {
            var latitude = Math.Round((random.NextDouble() * 180) - 90, 6);
            var longitude = Math.Round((random.NextDouble() * 360) - 180, 6);
            var time = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.FromHours(8)).AddSeconds(random.NextInt64(0, 3_155_760_000));
            var altitude = (short)random.Next(short.MinValue, short.MaxValue + 1);
            var speed = random.Next(0, 65536) / 10.0;
            var direction = (ushort)random.Next(0, 360);
            var location = Jt808Location.Create(latitude, longitude, time, status: (uint)random.NextInt64(0, 1L << 32),
                alarm: (uint)random.NextInt64(0, 1L << 32), altitudeM: altitude, speedKmh: speed, direction: direction);
            var wire = Jt808Encoder.Encode(Jt808Header.Create2013(0x0200, Jt808Phone.Parse("013800000000"), 1), new Jt808LocationReport(location));
            var decoded = Assert.IsType<Jt808LocationReport>(Jt808Decoder.Default.Decode(Helpers.ReadOne(wire)).Body).Location;
            Assert.Equal(latitude, decoded.Latitude, 6);
            Assert.Equal(longitude, decoded.Longitude, 6);
            Assert.Equal(time, decoded.GetTime(TimeSpan.FromHours(8)));
            Assert.Equal(altitude, decoded.AltitudeM);
            Assert.Equal(speed, decoded.SpeedKmh, 6);
            Assert.Equal(direction, decoded.Direction);
            Assert.Equal(location.AlarmFlags, decoded.AlarmFlags);
            Assert.Equal(location.StatusFlags, decoded.StatusFlags);
        }
    }

    [Fact]
    public void Standard_items_round_trip_through_their_typed_readers()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var mileage = (uint)random.NextInt64(0, 1L << 32);
            var temperature = random.Next(-32767, 32768);
            var ad0 = (ushort)random.Next(65536);
            var ad1 = (ushort)random.Next(65536);
            var area = (uint)random.NextInt64(0, 1L << 32);
            var items = new List<Jt808AdditionalItem>
            {
                Jt808Items.MileageTenthsKm(mileage),
                Jt808Items.Temperature(temperature),
                Jt808Items.AnalogInputs(ad0, ad1),
                Jt808Items.Overspeed((byte)random.Next(5), random.Next(2) == 0 ? null : area),
                Jt808Items.AreaRouteInOut(2, area, 1),
                Jt808Items.RouteTime(area, ad0, 1),
            };
            var location = Jt808Location.Create(1, 1, DateTimeOffset.UnixEpoch.AddYears(40), items: items);
            var wire = Jt808Encoder.Encode(Jt808Header.Create2019(0x0200, Jt808Phone.Parse("013800000000"), 1), new Jt808LocationReport(location));
            var decoded = Assert.IsType<Jt808LocationReport>(Jt808Decoder.Default.Decode(Helpers.ReadOne(wire)).Body).Location;
            Assert.Equal(mileage / 10.0, decoded.MileageKm!.Value, 6);
            Assert.Equal(temperature, Jt808Items.ReadSignMagnitude16(decoded.Find(Jt808Items.CompartmentTemperature)!.Value));
            Assert.Equal(((uint)ad1 << 16) | ad0, Jt808Items.ReadDword(decoded.Find(Jt808Items.Analog)!.Value)!.Value);
            Assert.Equal(items[3].Value.ToArray(), decoded.Find(Jt808Items.OverspeedInfo)!.Value.Value.ToArray());
            Assert.Equal((2, area, (byte)1), Jt808Items.ReadAreaRouteInOut(decoded.Find(Jt808Items.AreaRouteInOutInfo)!.Value)!.Value);
            Assert.Equal((area, ad0, (byte)1), Jt808Items.ReadRouteTime(decoded.Find(Jt808Items.RouteTimeInfo)!.Value)!.Value);
        }
    }

    [Fact]
    public void Phone_numbers_keep_leading_zeros_and_hex_nibbles()
    {
        Assert.Equal("013511221122", Jt808Phone.Parse("013511221122").ToString());
        Assert.Equal("4f07788ef676", Jt808Phone.Parse("4F07788EF676").ToString());
        Assert.Equal("00000000013511221122", Jt808Phone.Parse("013511221122").ForVersion(Jt808Version.V2019).ToString());
        Assert.Equal("013511221122", Jt808Phone.Parse("00000000013511221122").ForVersion(Jt808Version.V2013).ToString());
        Assert.Equal(Jt808Phone.FromNumber("13511221122", Jt808Version.V2013), Jt808Phone.Parse("013511221122"));
        Assert.Throws<FormatException>(() => Jt808Phone.Parse("1234"));
        Assert.Throws<FormatException>(() => Jt808Phone.Parse("00000866496077582164").ForVersion(Jt808Version.V2013));
    }

    [Fact]
    public void Platform_general_response_answers_in_the_request_layout()
    {
        var request = Helpers.ReadOne(Vectors.Named("location_2019_gps51_voltage_firmware").Bytes).Header;
        var wire = Jt808Encoder.PlatformGeneralResponse(request, 77);
        var frame = Helpers.ReadOne(wire);
        Assert.Equal(Jt808Version.V2019, frame.Header.Version);
        Assert.Equal(request.Phone, frame.Header.Phone);
        Assert.Equal(77, frame.Header.Serial);
        var body = Assert.IsType<Jt808PlatformGeneralResponse>(Jt808Decoder.Default.Decode(frame).Body);
        Assert.Equal(new Jt808PlatformGeneralResponse(444, 0x0200, Jt808ResponseResult.Success), body);
    }

    [Fact]
    public void Text_messages_are_gbk_in_both_layouts()
    {
        var phone = Jt808Phone.Parse("013800000000");
        var message = Jt808TextMessage.Create("请减速慢行 slow down", textType: 2);
        var wire2013 = Jt808Encoder.Encode(Jt808Header.Create2013(0, phone, 1), message);
        var wire2019 = Jt808Encoder.Encode(Jt808Header.Create2019(0, phone, 1), message);
        var d2013 = Assert.IsType<Jt808TextMessage>(Jt808Decoder.Default.Decode(Helpers.ReadOne(wire2013)).Body);
        var d2019 = Assert.IsType<Jt808TextMessage>(Jt808Decoder.Default.Decode(Helpers.ReadOne(wire2019)).Body);
        Assert.Equal("请减速慢行 slow down", d2013.Text);
        Assert.Equal("请减速慢行 slow down", d2019.Text);
        Assert.Equal(2, d2019.TextType);
        Assert.Equal(Jt808TextMessage.NoticeFlags, d2013.Flags);
        Assert.Equal(wire2013.Length + 1, wire2019.Length - 5);
    }

    [Fact]
    public void Parameters_decode_with_their_documented_types_and_keep_unknown_ids_raw()
    {
        var parameters = new[]
        {
            Jt808Parameters.Dword(Jt808Parameters.HeartbeatInterval, 60),
            Jt808Parameters.String(Jt808Parameters.MainServerAddress, "gw.nevhub.example:7808"),
            Jt808Parameters.Word(Jt808Parameters.Province, 50),
            Jt808Parameters.Byte(Jt808Parameters.PlateColor, 2),
            Jt808Parameters.Raw(0xF001, [1, 2, 3]),
        };
        var wire = Jt808Encoder.Encode(Jt808Header.Create2013(0, Jt808Phone.Parse("013800000000"), 9), new Jt808QueryParametersResponse(5, parameters));
        var frame = Helpers.ReadOne(wire);
        var message = Jt808Decoder.Default.Decode(frame);
        var decoded = Assert.IsType<Jt808QueryParametersResponse>(message.Body);
        Assert.Equal(60u, decoded.Parameters[0].Number);
        Assert.Equal("gw.nevhub.example:7808", decoded.Parameters[1].Text);
        Assert.Equal(50u, decoded.Parameters[2].Number);
        Assert.Equal(2u, decoded.Parameters[3].Number);
        Assert.Equal(Jt808ParameterType.Unknown, decoded.Parameters[4].Type);
        Assert.Equal(new byte[] { 1, 2, 3 }, decoded.Parameters[4].Value.ToArray());
        var json = Jt808JsonRenderer.Render(frame, message);
        Assert.Contains("\"name\":\"heartbeat_interval_s\",\"type\":\"dword\",\"value\":60", json, StringComparison.Ordinal);
    }

    private static Jt808Header RandomHeader(Random random)
    {
        var digits = string.Concat(Enumerable.Range(0, 20).Select(_ => (char)('0' + random.Next(10))));
        var serial = (ushort)random.Next(65536);
        return random.Next(2) == 0
            ? Jt808Header.Create2013(0, Jt808Phone.Parse(digits[..12]), serial)
            : Jt808Header.Create2019(0, Jt808Phone.Parse(digits), serial, (byte)random.Next(256));
    }

    private static byte[] Bytes(Random random, int min, int max)
    {
        var b = new byte[random.Next(min, max + 1)];
        random.NextBytes(b);
        return b;
    }

    private static string Text(Random random, int maxChars)
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-. 京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
        return string.Concat(Enumerable.Range(0, random.Next(0, maxChars + 1)).Select(_ => alphabet[random.Next(alphabet.Length)]));
    }

    private static Jt808Location RandomLocation(Random random, Jt808Version version)
    {
        var items = new List<Jt808AdditionalItem>();
        var count = random.Next(0, 8);
        for (var i = 0; i < count; i++)
        {
            var id = (byte)random.Next(256);
            var standard = Jt808Items.StandardLength(id);
            var length = standard >= 0 && random.Next(4) > 0 ? standard : random.Next(0, 40);
            items.Add(Jt808Items.Raw(id, Bytes(random, length, length)));
        }

        return new Jt808Location
        {
            AlarmFlags = (uint)random.NextInt64(0, 1L << 32),
            StatusFlags = (uint)random.NextInt64(0, 1L << 32),
            LatitudeRaw = (uint)random.Next(0, 90_000_001),
            LongitudeRaw = (uint)random.Next(0, 180_000_001),
            AltitudeM = (short)random.Next(short.MinValue, short.MaxValue + 1),
            SpeedRaw = (ushort)random.Next(65536),
            Direction = (ushort)random.Next(360),
            Time = Jt808BcdTime.From(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.FromHours(8)).AddSeconds(random.NextInt64(0, 3_155_760_000)), TimeSpan.FromHours(8)),
            Items = items,
        };
    }

    private static Jt808Body RandomBody(Random random, Jt808Version version)
    {
        var results = Enum.GetValues<Jt808ResponseResult>();
        switch (random.Next(19))
        {
            case 0: return new Jt808TerminalGeneralResponse((ushort)random.Next(65536), (ushort)random.Next(65536), results[random.Next(4)]);
            case 1: return new Jt808PlatformGeneralResponse((ushort)random.Next(65536), (ushort)random.Next(65536), results[random.Next(5)]);
            case 2: return new Jt808Heartbeat(random.Next(3) == 0 ? Bytes(random, 1, 3) : default);
            case 3: return new Jt808Logout();
            case 4:
                {
                    var layout = version == Jt808Version.V2019 ? Jt808RegistrationLayout.V2019
                        : random.Next(2) == 0 ? Jt808RegistrationLayout.V2013 : Jt808RegistrationLayout.V2011;
                    var (m, mo, t) = Jt808Registration.FieldSizes(layout);
                    var plate = layout == Jt808RegistrationLayout.V2011 ? Text(random, 5) : Text(random, 8) + "ABCDEFGHJKLMN";
                    return Jt808Registration.Create(layout, (ushort)random.Next(65536), (ushort)random.Next(65536),
                        Text(random, m / 2), Text(random, mo / 2), Text(random, t / 2), (byte)random.Next(256), plate);
                }

            case 5:
                {
                    var result = (Jt808RegistrationResult)random.Next(5);
                    return new Jt808RegistrationReply((ushort)random.Next(65536), result, result == 0 ? "AC" + Text(random, 30) : null);
                }

            case 6:
                return version == Jt808Version.V2019
                    ? new Jt808Authentication("AC" + Text(random, 40), "86" + random.NextInt64(1_000_000_000_000, 9_999_999_999_999), "v" + random.Next(100) + "." + random.Next(100))
                    : new Jt808Authentication("AC" + Text(random, 60));
            case 7: return new Jt808LocationReport(RandomLocation(random, version));
            case 8: return new Jt808LocationQueryResponse((ushort)random.Next(65536), RandomLocation(random, version));
            case 9:
                return new Jt808BatchLocationUpload((byte)random.Next(2), Enumerable.Range(0, random.Next(0, 6)).Select(_ => RandomLocation(random, version)).ToList());
            case 10: return new Jt808TransparentData((byte)random.Next(256), Bytes(random, 0, 300));
            case 11: return new Jt808TransparentData((byte)random.Next(256), Bytes(random, 0, 300), Downlink: true);
            case 12: return new Jt808SetParameters(RandomParameters(random));
            case 13: return new Jt808QueryAllParameters();
            case 14: return new Jt808QueryParameters(Enumerable.Range(0, random.Next(0, 30)).Select(_ => (uint)random.NextInt64(0, 1L << 32)).ToList());
            case 15: return new Jt808QueryParametersResponse((ushort)random.Next(65536), RandomParameters(random));
            case 16: return new Jt808LocationQuery();
            case 17: return Jt808TextMessage.Create(Text(random, 100), (byte)random.Next(256), (byte)random.Next(1, 3));
            default: return new Jt808RawBody((ushort)random.Next(0xE000, 0xF000), Bytes(random, 0, 500));
        }
    }

    private static List<Jt808Parameter> RandomParameters(Random random)
    {
        uint[] known = [0x0001, 0x0002, 0x0003, 0x0010, 0x0013, 0x0017, 0x0018, 0x0020, 0x0029, 0x0055, 0x0080, 0x0081, 0x0083, 0x0084];
        var list = new List<Jt808Parameter>();
        var count = random.Next(0, 10);
        for (var i = 0; i < count; i++)
        {
            var id = random.Next(3) == 0 ? (uint)random.NextInt64(0, 1L << 32) : known[random.Next(known.Length)];
            list.Add(Jt808Parameters.TypeOf(id) switch
            {
                Jt808ParameterType.Dword => Jt808Parameters.Dword(id, (uint)random.NextInt64(0, 1L << 32)),
                Jt808ParameterType.Word => Jt808Parameters.Word(id, (ushort)random.Next(65536)),
                Jt808ParameterType.Byte => Jt808Parameters.Byte(id, (byte)random.Next(256)),
                Jt808ParameterType.String => Jt808Parameters.String(id, Text(random, 30)),
                _ => Jt808Parameters.Raw(id, Bytes(random, 0, 20)),
            });
        }

        return list;
    }

    /// <summary>Field-by-field equality of bodies whose records hold memory and lists (compared by content).</summary>
    private static void AssertSame(Jt808Body expected, Jt808Body actual)
    {
        switch (expected)
        {
            case Jt808Registration e:
                var a = (Jt808Registration)actual;
                Assert.Equal((e.Layout, e.ProvinceId, e.CityId, e.PlateColor), (a.Layout, a.ProvinceId, a.CityId, a.PlateColor));
                Assert.Equal((e.ManufacturerId, e.Model, e.TerminalId, e.Plate), (a.ManufacturerId, a.Model, a.TerminalId, a.Plate));
                break;
            case Jt808Authentication or Jt808TerminalGeneralResponse or Jt808PlatformGeneralResponse or Jt808RegistrationReply
                or Jt808Logout or Jt808QueryAllParameters or Jt808LocationQuery:
                Assert.Equal(expected, actual);
                break;
            case Jt808TextMessage t:
                Assert.Equal(t.Text, ((Jt808TextMessage)actual).Text);
                break;
            case Jt808LocationReport l:
                AssertSameLocation(l.Location, ((Jt808LocationReport)actual).Location);
                break;
            case Jt808LocationQueryResponse q:
                Assert.Equal(q.ReplySerial, ((Jt808LocationQueryResponse)actual).ReplySerial);
                AssertSameLocation(q.Location, ((Jt808LocationQueryResponse)actual).Location);
                break;
            case Jt808BatchLocationUpload b:
                var ab = (Jt808BatchLocationUpload)actual;
                Assert.Equal(b.Type, ab.Type);
                Assert.Equal(b.Locations.Count, ab.Locations.Count);
                for (var i = 0; i < b.Locations.Count; i++)
                {
                    AssertSameLocation(b.Locations[i], ab.Locations[i]);
                }

                break;
            case Jt808QueryParameters q:
                Assert.Equal(q.Ids, ((Jt808QueryParameters)actual).Ids);
                break;
            case Jt808TransparentData t:
                var at = (Jt808TransparentData)actual;
                Assert.Equal((t.Type, t.Downlink), (at.Type, at.Downlink));
                Assert.Equal(t.Payload.ToArray(), at.Payload.ToArray());
                break;
            case Jt808SetParameters s:
                AssertSameParameters(s.Parameters, ((Jt808SetParameters)actual).Parameters);
                break;
            case Jt808QueryParametersResponse r:
                Assert.Equal(r.ReplySerial, ((Jt808QueryParametersResponse)actual).ReplySerial);
                AssertSameParameters(r.Parameters, ((Jt808QueryParametersResponse)actual).Parameters);
                break;
            case Jt808Heartbeat h:
                Assert.Equal(h.Extra.ToArray(), ((Jt808Heartbeat)actual).Extra.ToArray());
                break;
            case Jt808RawBody r:
                Assert.Equal(r.Bytes.ToArray(), ((Jt808RawBody)actual).Bytes.ToArray());
                break;
            default:
                Assert.Fail($"No comparison for {expected.GetType().Name}");
                break;
        }
    }

    private static void AssertSameLocation(Jt808Location e, Jt808Location a)
    {
        Assert.Equal((e.AlarmFlags, e.StatusFlags, e.LatitudeRaw, e.LongitudeRaw), (a.AlarmFlags, a.StatusFlags, a.LatitudeRaw, a.LongitudeRaw));
        Assert.Equal((e.AltitudeM, e.SpeedRaw, e.Direction, e.Time), (a.AltitudeM, a.SpeedRaw, a.Direction, a.Time));
        Assert.Equal(e.Items.Select(i => (i.Id, Convert.ToHexString(i.Span))), a.Items.Select(i => (i.Id, Convert.ToHexString(i.Span))));
        Assert.False(a.HasItemOverrun);
    }

    private static void AssertSameParameters(IReadOnlyList<Jt808Parameter> e, IReadOnlyList<Jt808Parameter> a) =>
        Assert.Equal(e.Select(p => (p.Id, Convert.ToHexString(p.Value.Span))), a.Select(p => (p.Id, Convert.ToHexString(p.Value.Span))));
}

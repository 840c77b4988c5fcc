using System.Net;
using System.Net.Http.Json;
using NevHub.Server.Api;
using NevHub.Server.Security;
using NevHub.Storage;

namespace NevHub.Server.FunctionalTests;

public sealed class AuthTests : IAsyncLifetime
{
    private const string AdminPassword = "correct horse battery";
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(new()
    {
        ["NevHub:InitialAdminPassword"] = AdminPassword,
        ["NevHub:Auth:LoginAttemptsPerUser"] = "4",
        ["NevHub:Auth:LoginAttemptsPerIp"] = "8",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_initial_admin_signs_in_with_the_configured_password_and_gets_a_strict_http_only_cookie()
    {
        using var browser = new AuthTestClient(_server);
        var response = await browser.LoginAsync(UserStore.InitialAdminName, AdminPassword);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var setCookie = string.Join("\n", response.Headers.GetValues("Set-Cookie"));
        var auth = setCookie.Split('\n').Single(c => c.StartsWith(SecurityServices.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", auth, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", auth, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", auth.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase); // plain HTTP here

        var me = await _server.GetAsync<MeView>("/api/auth/me", browser.Http);
        Assert.Equal(("admin", Roles.Admin, SecurityServices.CookieScheme), (me.Name, me.Role, me.Scheme));
        Assert.False(string.IsNullOrEmpty(me.CsrfToken));
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/api/vehicles")).StatusCode);

        // Signing out ends the cookie.
        Assert.Equal(HttpStatusCode.NoContent, (await browser.Http.PostAsync("/api/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/vehicles")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_or_unknown_user_is_refused_without_a_cookie()
    {
        using var browser = new AuthTestClient(_server);
        var wrong = await browser.LoginAsync("admin", "not the password");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.LoginAsync("nobody", AdminPassword)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Cookie_writes_need_the_antiforgery_token_but_api_keys_do_not()
    {
        using var browser = new AuthTestClient(_server);
        await browser.SignInAsync("admin", AdminPassword);
        var token = browser.CsrfToken;
        var user = new CreateUserRequest("op1", "operator password", Roles.Operator, null);

        browser.SetCsrf(null);
        var refused = await browser.Http.PostAsJsonAsync("/api/users", user);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        browser.SetCsrf("forged" + token);
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.Http.PostAsJsonAsync("/api/users", user)).StatusCode);

        browser.SetCsrf(token);
        Assert.Equal(HttpStatusCode.Created, (await browser.Http.PostAsJsonAsync("/api/users", user)).StatusCode);

        // API keys carry no ambient credential, so they need no token: exactly as before.
        var second = new CreateUserRequest("op2", "operator password", Roles.Operator, null);
        Assert.Equal(HttpStatusCode.Created, (await _server.Admin.PostAsJsonAsync("/api/users", second)).StatusCode);
    }

    [Fact]
    public async Task Sign_in_is_rate_limited_per_user_name_with_retry_after()
    {
        using var browser = new AuthTestClient(_server);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.LoginAsync("admin", "wrong password " + i)).StatusCode);
        }

        // Even the right password is refused now: the limit is on attempts, so guessing cannot go on.
        var limited = await browser.LoginAsync("admin", AdminPassword);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) >= 1);

        // Another user name is not affected by that user's limit.
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.LoginAsync("someone-else", "wrong password")).StatusCode);
    }

    [Fact]
    public async Task Sign_in_is_rate_limited_per_client_address_with_retry_after()
    {
        using var browser = new AuthTestClient(_server);
        for (var i = 0; i < 8; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.LoginAsync("user" + i, "wrong password")).StatusCode);
        }

        var limited = await browser.LoginAsync("user-next", "wrong password");
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.True(limited.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task A_maker_user_sees_only_its_maker_and_cannot_manage_users_or_keys()
    {
        await _server.RegisterAsync("LAUTH000000000001", maker: "changan");
        await _server.RegisterAsync("LAUTH000000000002", maker: "seres");
        var created = await _server.Admin.PostAsJsonAsync("/api/users", new CreateUserRequest("changan-viewer", "maker password", Roles.MakerViewer, "changan"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using var browser = new AuthTestClient(_server);
        await browser.SignInAsync("changan-viewer", "maker password");
        var me = await _server.GetAsync<MeView>("/api/auth/me", browser.Http);
        Assert.Equal((Roles.MakerViewer, "changan"), (me.Role, me.Maker));

        var list = await _server.GetAsync<Page<VehicleView>>("/api/vehicles", browser.Http);
        Assert.Equal(["LAUTH000000000001"], list.Items.Select(v => v.Vin));
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Http.GetAsync("/api/vehicles/LAUTH000000000002")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Http.GetAsync("/api/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Http.GetAsync("/api/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Http.PostAsJsonAsync("/api/keys", new CreateKeyRequest("x", Roles.Admin, null))).StatusCode);
    }

    [Fact]
    public async Task Resetting_a_password_changing_a_role_or_deleting_a_user_ends_its_sign_in()
    {
        foreach (var name in new[] { "reset-me", "demote-me", "delete-me" })
        {
            await _server.Admin.PostAsJsonAsync("/api/users", new CreateUserRequest(name, "first password", Roles.Operator, null));
        }

        using var reset = new AuthTestClient(_server);
        using var demote = new AuthTestClient(_server);
        using var delete = new AuthTestClient(_server);
        await reset.SignInAsync("reset-me", "first password");
        await demote.SignInAsync("demote-me", "first password");
        await delete.SignInAsync("delete-me", "first password");

        Assert.Equal(HttpStatusCode.NoContent,
            (await _server.Admin.PostAsJsonAsync("/api/users/reset-me/password", new SetPasswordRequest("second password"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK,
            (await _server.Admin.PutAsJsonAsync("/api/users/demote-me", new SetRoleRequest(Roles.MakerViewer, "seres"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _server.Admin.DeleteAsync("/api/users/delete-me")).StatusCode);

        foreach (var client in new[] { reset, demote, delete })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.Http.GetAsync("/api/vehicles")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await reset.LoginAsync("reset-me", "first password")).StatusCode);
        await reset.SignInAsync("reset-me", "second password");
        await demote.SignInAsync("demote-me", "first password");
        Assert.Equal("seres", (await _server.GetAsync<MeView>("/api/auth/me", demote.Http)).Maker);
    }

    [Fact]
    public async Task Users_are_stored_hashed_and_the_last_admin_cannot_be_removed()
    {
        await _server.Admin.PostAsJsonAsync("/api/users", new CreateUserRequest("hashed", "a secret password", Roles.Operator, null));
        var file = await File.ReadAllTextAsync(Path.Combine(_server.DataDirectory, UserStore.FileName));
        Assert.DoesNotContain("a secret password", file, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminPassword, file, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_server.DataDirectory, UserStore.FileName)));
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Admin.DeleteAsync("/api/users/admin")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await _server.Admin.PutAsJsonAsync("/api/users/admin", new SetRoleRequest(Roles.Operator, null))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await _server.Admin.PostAsJsonAsync("/api/users", new CreateUserRequest("short", "short", Roles.Operator, null))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await _server.Admin.PostAsJsonAsync("/api/users", new CreateUserRequest("nomaker", "long enough password", Roles.MakerViewer, null))).StatusCode);
        var users = await _server.GetAsync<List<UserView>>("/api/users");
        Assert.Equal(["admin", "hashed"], users.Select(u => u.UserName));
    }

    [Fact]
    public async Task Admins_create_list_and_revoke_api_keys_and_a_revoked_key_stops_working()
    {
        await _server.RegisterAsync("LAUTH000000000003", maker: "avatr");
        var response = await _server.Admin.PostAsJsonAsync("/api/keys", new CreateKeyRequest("avatr-integration", Roles.MakerViewer, "avatr"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<CreatedKeyView>(TestServer.Json))!;

        using var key = _server.Client(created.Secret);
        var list = await _server.GetAsync<Page<VehicleView>>("/api/vehicles", key);
        Assert.Equal(["LAUTH000000000003"], list.Items.Select(v => v.Vin));

        var keys = await _server.GetAsync<List<ApiKeyView>>("/api/keys");
        Assert.Contains(keys, k => k.Id == created.Key.Id && k.Maker == "avatr");
        Assert.DoesNotContain(created.Secret, await _server.Admin.GetStringAsync("/api/keys"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await _server.Admin.DeleteAsync("/api/keys/" + created.Key.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await key.GetAsync("/api/vehicles")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Admin.DeleteAsync("/api/keys/" + created.Key.Id)).StatusCode);
    }

    [Fact]
    public async Task Without_a_configured_password_the_first_start_generates_one_that_signs_in()
    {
        await using var server = await TestServer.StartAsync();
        var password = server.App.Services.GetService(typeof(UserStore)) is UserStore users ? users.InitialAdminPassword : null;
        Assert.False(string.IsNullOrEmpty(password));
        using var browser = new AuthTestClient(server);
        await browser.SignInAsync("admin", password!);
    }
}

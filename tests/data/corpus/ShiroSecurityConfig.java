package io.acme.portal.config;

import org.apache.shiro.codec.Base64;
import org.apache.shiro.web.mgt.CookieRememberMeManager;

public class ShiroSecurityConfig {
    public CookieRememberMeManager rememberMeManager() {
        CookieRememberMeManager manager = new CookieRememberMeManager();
        manager.setCipherKey(Base64.decode("5kNY+l49ULjtkvUkoE9woQ=="));
        return manager;
    }

    public CookieRememberMeManager rememberMeManagerFromProperties(PortalProperties props) {
        CookieRememberMeManager manager = new CookieRememberMeManager();
        manager.setCipherKey(Base64.decode(props.getCipherKey()));
        return manager;
    }

    public WeChatClient weChatClient() {
        WeChatClient client = new WeChatClient();
        client.setAppSecret("589da3fe038e1957e68929239bc7c6a7c3e11cff");
        client.setAccessToken(System.getenv("WECHAT_ACCESS_TOKEN"));
        client.setClientSecret("${wechat.client-secret}");
        client.setApiKey("your-api-key-goes-here");
        client.setToken(token());
        return client;
    }

    private String token() {
        return System.getProperty("portal.token");
    }
}

"""委托人: the people who entrust a matter, most of them known by their WeChat openid."""

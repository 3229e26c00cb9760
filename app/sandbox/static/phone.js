// The sandbox phone: be a person, talk to the account, read its replies and template messages.
// Every tap goes to the sandbox's server side (/_sandbox/phone/*), which posts to the account's callback
// as WeChat does; the chat is polled every second.
(function () {
  'use strict';
  var root = document.body.getAttribute('data-root') || '';
  var api = root + '/_sandbox/phone';
  var person = document.getElementById('person');
  var other = document.getElementById('openid');
  var chat = document.getElementById('chat');
  var text = document.getElementById('text');
  var problem = document.getElementById('problem');
  var codes = document.getElementById('codes');
  var codeList = document.getElementById('code-list');
  var viewer = document.getElementById('viewer');
  var frame = document.getElementById('h5');
  var menu = document.getElementById('menu');
  var openid = '';
  var last = 0;
  var seen = {};
  var polling = false;

  function el(tag, cls, content) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function say(message) { problem.textContent = message || ''; }

  function call(method, path, body) {
    var options = {method: method, headers: {}, credentials: 'same-origin'};
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    return fetch(api + path, options).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(typeof data.detail === 'string' ? data.detail : '沙箱没有接受这个操作。');
        return data;
      });
    });
  }

  // -- the chat --

  function bubble(entry) {
    if (entry.side === 'card') return card(entry.card);
    var node = el('div', 'msg ' + entry.side + (entry.kind ? ' ' + entry.kind : ''), entry.text);
    if (entry.media_id) {
      var picture = el('img');
      picture.alt = '发出的图片';
      picture.src = root + '/_sandbox/phone/media/' + encodeURIComponent(entry.media_id);
      node.appendChild(picture);
    }
    return node;
  }

  function card(data) {
    var node = el('div', 'card');
    node.appendChild(el('div', 'card-title', data.title));
    var body = el('div', 'card-body');
    data.fields.forEach(function (value) { if (value) body.appendChild(el('p', 'card-field', value)); });
    node.appendChild(body);
    if (data.url) {
      node.appendChild(el('div', 'card-more', '详情 ›'));
      node.setAttribute('role', 'button');
      node.tabIndex = 0;
      node.addEventListener('click', function () { open(data.url, data.title); });
      node.addEventListener('keydown', function (e) { if (e.key === 'Enter') open(data.url, data.title); });
    }
    return node;
  }

  function show(entries) {
    var atEnd = chat.scrollTop + chat.clientHeight >= chat.scrollHeight - 40;
    var added = false;
    entries.forEach(function (entry) {
      if (seen[entry.seq]) return;
      seen[entry.seq] = true;
      chat.appendChild(bubble(entry));
      added = true;
    });
    if (added || atEnd) chat.scrollTop = chat.scrollHeight;
  }

  function poll() {
    if (polling || !openid) return Promise.resolve();
    polling = true;
    var asked = openid;
    return call('GET', '/feed?openid=' + encodeURIComponent(asked) + '&after=' + last).then(function (data) {
      if (asked !== openid) return;
      if (data.last < last) {  // the sandbox was reset: its numbering starts again
        last = 0;
        seen = {};
        chat.textContent = '';
        return;
      }
      show(data.entries);
      last = data.last;
    }).catch(function () {}).then(function () { polling = false; });
  }

  // -- being someone --

  function tryThis() {
    var option = person.options[person.selectedIndex];
    var hint = option && option.value === openid ? option.getAttribute('data-try') : '';
    document.getElementById('try').textContent = hint ? '可以试试：' + hint : '';
  }

  // A switch under way: whatever is sent meanwhile waits for it, so it goes as the new person, and what the
  // tester opens meanwhile (the codes to scan, a menu) stays open.
  var switching = Promise.resolve();

  function become(id) {
    say('');
    close();
    closeCodes();
    closeMenus();
    switching = call('POST', '/switch', {openid: id}).then(function (data) {
      openid = data.openid;
      last = 0;
      seen = {};
      chat.textContent = '';
      var url = new URL(window.location.href);
      url.searchParams.set('as', openid);
      window.history.replaceState(null, '', url.toString());
      tryThis();
      return poll();
    }).catch(function (error) { say(error.message); });
    return switching;
  }

  person.addEventListener('change', function () { become(person.value); });
  document.getElementById('switch').addEventListener('click', function () {
    var id = other.value.trim();
    if (!id) { say('请先填要扮演的 openid。'); return; }
    var found = Array.prototype.some.call(person.options, function (o) { return o.value === id; });
    if (!found) {
      var option = el('option', '', '其他：' + id);
      option.value = id;
      option.setAttribute('data-try', '');
      person.appendChild(option);
    }
    person.value = id;
    become(id);
  });

  // -- sending --

  function send(message) {
    say('');
    return switching.then(function () {
      message.openid = openid;
      return call('POST', '/send', message);
    }).then(function (data) {
      if (data.error) say(data.error);
      if (data.open) open(data.open, message.label || '');
      return poll();
    }).catch(function (error) { say(error.message); });
  }

  function sendTyped(type) {
    var value = text.value.trim();
    if (!value) { say('请先输入要说的话。'); text.focus(); return; }
    text.value = '';
    send({type: type, text: value});
  }

  document.getElementById('send').addEventListener('click', function () { sendTyped('text'); });
  document.getElementById('voice').addEventListener('click', function () { sendTyped('voice'); });
  text.addEventListener('keydown', function (e) { if (e.key === 'Enter') sendTyped('text'); });

  var photoFile = document.getElementById('photo-file');
  document.getElementById('photo').addEventListener('click', function () { photoFile.click(); });
  photoFile.addEventListener('change', function () {
    var file = photoFile.files[0];
    photoFile.value = '';
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () {
      var data = String(reader.result);
      send({type: 'image', picture: data.slice(data.indexOf(',') + 1), content_type: file.type});
    };
    reader.readAsDataURL(file);
  });

  // -- the menu --

  function closeMenus() {
    Array.prototype.forEach.call(menu.querySelectorAll('.menu-subs'), function (s) { s.hidden = true; });
  }

  function tap(button) {
    closeMenus();
    if (button.type === 'view') send({type: 'view', url: button.url, label: button.name});
    else send({type: 'click', key: button.key || '', label: button.name});
  }

  function subButton(button) {
    var node = el('button', 'menu-sub', button.name);
    node.type = 'button';
    if (button.type === 'view') node.setAttribute('data-url', button.url);
    else node.setAttribute('data-key', button.key || '');
    node.addEventListener('click', function () { tap(button); });
    return node;
  }

  function drawMenu(buttons) {
    menu.textContent = '';
    buttons.forEach(function (button) {
      var slot = el('div', 'menu-slot');
      var top = el('button', 'menu-top', button.name);
      top.type = 'button';
      var subs = button.sub_button || [];
      slot.appendChild(top);
      if (subs.length) {
        var list = el('div', 'menu-subs');
        list.hidden = true;
        subs.forEach(function (sub) { list.appendChild(subButton(sub)); });
        slot.appendChild(list);
        top.addEventListener('click', function () {
          var wasHidden = list.hidden;
          closeMenus();
          list.hidden = !wasHidden;
        });
      } else {
        if (button.type === 'view') top.setAttribute('data-url', button.url);
        else top.setAttribute('data-key', button.key || '');
        top.addEventListener('click', function () { tap(button); });
      }
      menu.appendChild(slot);
    });
  }

  // -- scanning --

  function closeCodes() { codes.hidden = true; }

  document.getElementById('scan').addEventListener('click', function () {
    closeMenus();
    codeList.textContent = '';
    codeList.appendChild(el('p', 'codes-wait', '正在找二维码……'));
    codes.hidden = false;
    call('GET', '/codes').then(function (data) {
      codeList.textContent = '';
      data.codes.forEach(function (code) {
        var node = el('button', 'code', code.label);
        node.type = 'button';
        node.setAttribute('data-scene', code.scene);
        node.addEventListener('click', function () {
          closeCodes();
          send({type: 'scan', scene: code.scene});
        });
        codeList.appendChild(node);
      });
    }).catch(function (error) { codeList.textContent = ''; say(error.message); });
  });
  document.getElementById('codes-close').addEventListener('click', closeCodes);

  // -- pages inside the phone --

  function open(url, title) {
    closeMenus();
    document.getElementById('viewer-title').textContent = title || '';
    frame.src = url;
    viewer.hidden = false;
  }

  function close() {
    viewer.hidden = true;
    frame.src = 'about:blank';
  }

  document.getElementById('back').addEventListener('click', close);

  call('GET', '/menu').then(function (data) { drawMenu(data.button); }).catch(function (error) { say(error.message); });
  become(person.value);
  window.setInterval(poll, 1000);
}());

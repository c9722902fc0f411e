/*
 * Direct uploads: a chosen file goes from the browser straight to the bucket, in parts, through URLs
 * the site presigns for each part (uploads/protocol.py); the form then sends a signed token, not the
 * file. Without this script, the file input is an ordinary one.
 *
 * Two users of one transfer: the form widget (.mediakit-direct-upload), and django-filer's folder page,
 * whose uploader (Dropzone) hands its files to a transfer instead of posting them to the site.
 *
 * Hand-written, without dependencies: a few steps of fetch() and XMLHttpRequest (for upload progress).
 */
(function () {
  "use strict";

  var CONCURRENCY = 4; // parts in flight at once
  var SIGN_BATCH = 20; // part URLs asked for at once (the server's limit)
  var RETRIES = 3; // attempts per part (a dropped connection, a 5xx answer)

  function csrfToken(form) {
    var input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function formatBytes(size) {
    var units = ["bytes", "KB", "MB", "GB", "TB"];
    var unit = 0;
    while (size >= 1000 && unit < units.length - 1) {
      size /= 1000;
      unit += 1;
    }
    return (unit ? size.toFixed(1) : size) + " " + units[unit];
  }

  function post(url, body, csrf) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (!response.ok) throw new Error(data.error || "The site answered " + response.status + ".");
          return data;
        });
    });
  }

  /*
   * One file's transfer: start, parts (CONCURRENCY at a time, URLs signed in batches), complete.
   * options: ticket, urls {start, sign, complete, abort}, csrf, onProgress(sent, total).
   * run() resolves with the completion's answer {result, name, size}; cancel() aborts.
   */
  function Transfer(file, options) {
    this.file = file;
    this.options = options;
    this.requests = [];
    this.loaded = {};
    this.cancelled = false;
    this.token = null;
  }

  Transfer.prototype.step = function (name, body) {
    return post(this.options.urls[name], body, this.options.csrf);
  };

  Transfer.prototype.run = function () {
    var self = this;
    var file = this.file;
    return this.step("start", { ticket: this.options.ticket, name: file.name, size: file.size })
      .then(function (plan) {
        self.token = plan.token;
        self.partSize = plan.part_size;
        self.parts = plan.parts;
        self.urls = {};
        if (self.cancelled) throw new Error("cancelled");
        return self.sendParts();
      })
      .then(function () {
        if (self.cancelled) throw new Error("cancelled");
        return self.step("complete", { token: self.token });
      })
      .catch(function (error) {
        if (self.token) self.step("abort", { token: self.token }).catch(function () {});
        throw error;
      });
  };

  Transfer.prototype.cancel = function () {
    this.cancelled = true;
    this.requests.forEach(function (request) {
      request.abort();
    });
  };

  Transfer.prototype.sendParts = function () {
    var self = this;
    var next = 1;
    function worker() {
      if (self.cancelled || next > self.parts) return Promise.resolve();
      var number = next++;
      return self.sendPart(number, 1).then(worker);
    }
    var workers = [];
    for (var i = 0; i < Math.min(CONCURRENCY, this.parts); i++) workers.push(worker());
    return Promise.all(workers);
  };

  Transfer.prototype.urlFor = function (number) {
    var batch = Math.floor((number - 1) / SIGN_BATCH);
    if (!this.urls[batch]) {
      var numbers = [];
      for (var n = batch * SIGN_BATCH + 1; n <= Math.min((batch + 1) * SIGN_BATCH, this.parts); n++) numbers.push(n);
      this.urls[batch] = this.step("sign", { token: this.token, parts: numbers }).then(function (data) {
        return data.urls;
      });
    }
    return this.urls[batch].then(function (urls) {
      return urls[number];
    });
  };

  Transfer.prototype.sendPart = function (number, attempt) {
    var self = this;
    var start = (number - 1) * this.partSize;
    var body = this.file.slice(start, Math.min(start + this.partSize, this.file.size));
    return this.urlFor(number)
      .then(function (url) {
        return new Promise(function (resolve, reject) {
          var request = new XMLHttpRequest();
          self.requests.push(request);
          request.open("PUT", url);
          request.upload.onprogress = function (event) {
            self.progress(number, event.loaded);
          };
          request.onload = function () {
            if (request.status >= 200 && request.status < 300) {
              self.progress(number, body.size);
              resolve();
            } else {
              reject({ status: request.status, text: request.responseText });
            }
          };
          request.onerror = function () {
            reject({ status: 0, text: "" });
          };
          request.onabort = function () {
            reject({ status: -1, text: "" });
          };
          request.send(body);
        });
      })
      .catch(function (failure) {
        if (failure instanceof Error || self.cancelled || failure.status === -1) throw failure;
        var transient = failure.status === 0 || failure.status >= 500;
        if (transient && attempt < RETRIES) return self.sendPart(number, attempt + 1);
        var code = /<Code>([^<]*)<\/Code>/.exec(failure.text || "");
        throw new Error(
          "The bucket refused part " + number + " of " + self.file.name + (code ? " (" + code[1] + ")" : "") +
            (failure.status === 0 ? ": no answer (the network, or the bucket's CORS rules: manage.py upload_cors)." : ".")
        );
      });
  };

  Transfer.prototype.progress = function (number, sent) {
    this.loaded[number] = sent;
    var total = 0;
    for (var key in this.loaded) total += this.loaded[key];
    if (this.options.onProgress) this.options.onProgress(total, this.file.size);
  };

  /* The form widget: data-* attributes give the ticket and the URLs; the result goes in a hidden input. */
  function Widget(element) {
    this.element = element;
    this.input = element.querySelector("input[type=file]");
    this.result = element.querySelector("input[data-direct-result]");
    this.progress = element.querySelector("progress");
    this.cancelButton = element.querySelector("button[data-direct-cancel]");
    this.status = element.querySelector("output");
    this.form = this.input.form;
    this.transfer = null;
    this.input.addEventListener("change", this.choose.bind(this));
    this.cancelButton.addEventListener("click", this.cancel.bind(this));
    if (this.form) this.form.addEventListener("submit", this.holdSubmit.bind(this));
  }

  // data-state on the widget: uploading, done, failed or cancelled (for styles, and for tests to wait on).
  Widget.prototype.say = function (text, failed, state) {
    if (state) this.element.dataset.state = state;
    this.status.textContent = text;
    this.status.classList.toggle("errornote", !!failed);
  };

  Widget.prototype.holdSubmit = function (event) {
    if (this.transfer) {
      event.preventDefault();
      this.say("Wait for the upload to finish (or cancel it) before saving.", true);
    }
  };

  Widget.prototype.choose = function () {
    var self = this;
    var file = this.input.files && this.input.files[0];
    if (this.transfer) {
      this.transfer.cancel(); // another file chosen while one was on its way: that one is aborted, unannounced
      this.finish();
    }
    this.result.value = "";
    if (!file) return;
    var limit = Number(this.element.dataset.maxSize);
    if (file.size > limit) {
      this.input.value = "";
      this.say(file.name + " is " + formatBytes(file.size) + "; this field takes at most " + formatBytes(limit) + ".", true, "failed");
      return;
    }
    var data = this.element.dataset;
    var transfer = new Transfer(file, {
      ticket: data.ticket,
      urls: { start: data.startUrl, sign: data.signUrl, complete: data.completeUrl, abort: data.abortUrl },
      csrf: csrfToken(this.form),
      onProgress: function (sent, total) {
        self.progress.value = Math.floor((100 * sent) / total);
      },
    });
    this.transfer = transfer;
    this.progress.value = 0;
    this.progress.hidden = false;
    this.cancelButton.hidden = false;
    this.say("Uploading " + file.name + " (" + formatBytes(file.size) + ")…", false, "uploading");
    transfer
      .run()
      .then(function (done) {
        if (self.transfer !== transfer) return; // replaced by another file meanwhile
        self.result.value = done.result;
        self.input.value = ""; // the form sends the token, not the file
        self.finish();
        self.say("Uploaded " + done.name.split("/").pop() + " (" + formatBytes(done.size) + "): save to keep it.", false, "done");
      })
      .catch(function (error) {
        if (self.transfer !== transfer) return;
        self.input.value = "";
        self.finish();
        if (transfer.cancelled) self.say("Upload cancelled.", false, "cancelled");
        else self.say(error.message, true, "failed");
      });
  };

  Widget.prototype.finish = function () {
    this.transfer = null;
    this.progress.hidden = true;
    this.cancelButton.hidden = true;
  };

  Widget.prototype.cancel = function () {
    if (this.transfer) this.transfer.cancel();
  };

  function setUpWidgets(root) {
    root.querySelectorAll(".mediakit-direct-upload").forEach(function (element) {
      if (!element.mediakitUpload) element.mediakitUpload = new Widget(element);
    });
  }

  /*
   * django-filer's folder page: each of its Dropzones (the upload button, the drop zones) sends a file
   * through a transfer, then asks the site for the file's row; Dropzone then goes on as if it had posted
   * the file to filer (the same answer). SVG files keep filer's own path (it checks and cleans them).
   */
  function setUpFiler(ticketUrl) {
    var zones = document.querySelectorAll(".js-upload-button, .js-filer-dropzone");
    var dropzones = Array.prototype.map
      .call(zones, function (element) {
        return element.dropzone;
      })
      .filter(function (dropzone) {
        return dropzone && !dropzone.mediakitDirect;
      });
    if (!dropzones.length) return;
    fetch(ticketUrl, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (settings) {
        if (!settings) return; // not allowed, or filer's files are not in a bucket: filer's own upload
        dropzones.forEach(function (dropzone) {
          hookDropzone(dropzone, settings);
        });
      });
  }

  function hookDropzone(dropzone, settings) {
    var filerUpload = dropzone.uploadFiles.bind(dropzone);
    dropzone.mediakitDirect = true;
    dropzone.uploadFiles = function (files) {
      var file = files[0];
      if (files.length !== 1 || file.type === "image/svg+xml" || /\.svg$/i.test(file.name) || file.size > settings.max_size) {
        return filerUpload(files);
      }
      var url = dropzone.options.url;
      var folder = /\/upload\/(\d+)\/?$/.exec(typeof url === "function" ? url(files) : url);
      var csrf = csrfToken();
      var transfer = new Transfer(file, {
        ticket: settings.ticket,
        urls: settings.urls,
        csrf: csrf,
        onProgress: function (sent, total) {
          file.upload.bytesSent = sent;
          file.upload.progress = (100 * sent) / total;
          dropzone.emit("uploadprogress", file, file.upload.progress, sent);
        },
      });
      file.xhr = { abort: transfer.cancel.bind(transfer) }; // Dropzone's cancelUpload() aborts through this
      transfer
        .run()
        .then(function (done) {
          return post(settings.urls.filer_file, { result: done.result, folder: folder ? Number(folder[1]) : null }, csrf);
        })
        .then(function (answer) {
          dropzone._finished(files, answer, null);
        })
        .catch(function (error) {
          dropzone._errorProcessing(files, transfer.cancelled ? "Upload cancelled." : error.message, null);
        });
    };
  }

  function setUp() {
    setUpWidgets(document);
    var filer = document.querySelector("script[data-filer-ticket-url]");
    // filer makes its Dropzones when the document is ready: look for them once every script has run.
    if (filer) window.addEventListener("load", setUpFiler.bind(null, filer.dataset.filerTicketUrl));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
  // The admin's inlines add forms after the page loaded.
  document.addEventListener("formset:added", function (event) {
    setUpWidgets(event.target);
  });
})();
